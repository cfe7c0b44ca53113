"""The Action Panel: the allowed actions in their seed groups, type to filter, Enter runs one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from commcentre_tui.services.actions import OfferedAction


class ActionPanel(ModalScreen[str | None]):
    """Lists ``offered`` actions; dismisses with the chosen action name or ``None``."""

    DEFAULT_CSS = """
    ActionPanel { align: center middle; }
    ActionPanel > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $panel; padding: 0 1;
    }
    ActionPanel #panel-title { text-style: bold; }
    ActionPanel OptionList { height: auto; max-height: 18; }
    ActionPanel #panel-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "dismiss_panel", "Back", id="panel_close", tooltip="Close the Action Panel"),
        Binding("down", "move(1)", "Next", id="panel_down", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", id="panel_up", show=False, priority=True),
        Binding("enter", "run", "Run", id="panel_run", tooltip="Run the highlighted action", priority=True),
    ]

    def __init__(self, offered: list[OfferedAction], *, customer: str | None) -> None:
        super().__init__()
        self.offered = offered
        self.customer = customer

    def compose(self) -> ComposeResult:
        with Vertical():
            who = f"for {self.customer}" if self.customer else "(no customer loaded)"
            yield Static(Text(f"Actions {who}"), id="panel-title")
            yield Input(placeholder="Type to filter…", id="panel-filter")
            yield OptionList(id="panel-options", markup=False)
            yield Static("↑↓ choose · Enter run · Esc back", id="panel-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#panel-filter", Input).focus()

    def _fill(self, text: str) -> None:
        needle = text.casefold().strip()
        options = self.query_one("#panel-options", OptionList)
        options.clear_options()
        group = None
        for action in self.offered:
            if needle and needle not in f"{action.name} {action.keywords}".casefold():
                continue
            if action.group != group:
                group = action.group
                options.add_option(Option(Text(f"── {group}", style="bold"), disabled=True))
            options.add_option(Option(Text(f"  {action.name}"), id=action.name))
        first = next((i for i in range(options.option_count) if not options.get_option_at_index(i).disabled), None)
        options.highlighted = first

    @on(Input.Changed, "#panel-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one("#panel-options", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_run(self) -> None:
        options = self.query_one("#panel-options", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if not option.disabled and option.id:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#panel-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(event.option.id)

    def action_dismiss_panel(self) -> None:
        self.dismiss(None)
