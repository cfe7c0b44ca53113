"""A short pick list in a modal frame (title, options, hint): Enter picks the highlighted option,
Esc closes. The base of the CTI pick lists (:mod:`.cti.pick`) and Watch agent…
(:mod:`.watch_agent`)."""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

PICK_CSS = """
{name} {{ align: center middle; }}
{name} > #frame {{
    width: 70; max-width: 100%; height: auto; max-height: 80%;
    border: thick $primary; background: $panel; padding: 0 1;
}}
{name} #title {{ text-style: bold; padding-bottom: 1; }}
{name} OptionList {{ height: auto; max-height: 14; }}
{name} #hint {{ color: $text-muted; padding-top: 1; }}
"""
"""The pick lists' look; a subclass sets ``DEFAULT_CSS = PICK_CSS.format(name="ItsClass")``."""

Picked = TypeVar("Picked")


class PickListScreen(ModalScreen[Picked | None]):
    """A pick list: a subclass gives the title, the options and the hint (and may fill the
    options later); it dismisses with :meth:`picked` of the chosen option's id, or ``None``."""

    BINDINGS = [Binding("escape", "cancel", "Close")]
    LIST_ID = "options"
    """The id of the :class:`OptionList`."""

    def pick_title(self) -> Text:
        raise NotImplementedError

    def pick_options(self) -> list[Option]:
        return []

    def pick_hint(self, options: list[Option]) -> str:
        raise NotImplementedError

    def picked(self, option_id: str | None) -> Picked | None:
        """What the screen dismisses with when the option ``option_id`` is chosen."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"):
            yield Static(self.pick_title(), id="title")
            options = self.pick_options()
            yield OptionList(*options, id=self.LIST_ID)
            yield Static(Text(self.pick_hint(options)), id="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.list_focused()

    def list_focused(self) -> None:
        """Called on mount once the list has the focus (e.g. to start reading the options)."""

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.picked(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
