"""A small modal list to choose one item (e.g. which communication to follow up)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from commcentre_tui.failures import failure_sentence
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch

Loader = Callable[[ServiceContext], list[tuple[str, str]]]


class PickScreen(ConsoleAppMixin, ModalScreen[str | None]):
    """Lists what ``loader`` returns (run in a worker); Enter dismisses with the chosen value."""

    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 80%;
        border: thick $primary; background: $panel; padding: 0 1;
    }
    PickScreen #pick-title { text-style: bold; padding-bottom: 1; }
    PickScreen OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Back", id="pick_cancel", tooltip="Close without choosing")
    ]

    def __init__(self, title: str, loader: Loader, *, empty: str) -> None:
        super().__init__()
        self.title_text = title
        self.loader = loader
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), id="pick-title")
            yield LoadingIndicator()
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        app = self.console_app
        ctx, loader = ServiceContext(app.engine, app.settings, app.actor), self.loader
        fetch(
            self,
            lambda: loader(ctx),
            self._show,
            group="pick-load",
            what="loading the choices",
            on_error=self._not_loaded,
        )

    def _not_loaded(self, exc: BaseException) -> bool:
        """One sentence (a service error's own), and the list closes."""
        self._close(failure_sentence(exc, "loading the choices"))
        return True

    def _close(self, message: str) -> None:
        self.notify(message, title=self.title_text, severity="warning", markup=False)
        self.dismiss(None)

    def _show(self, items: list[tuple[str, str]]) -> None:
        if not items:
            self._close(self.empty)
            return
        self.query_one(LoadingIndicator).remove()
        options = self.query_one(OptionList)
        options.add_options([Option(Text(label), id=value) for value, label in items])
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
