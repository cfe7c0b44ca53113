"""Short pick lists: which customer is calling (several share the number), which phone to call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from commcentre_tui.controllers.cti.tell import tell
from commcentre_tui.repo.cti_lookup import MatchedContact
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert

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


class CallerPickScreen(ModalScreen[int | None]):
    """Several customers have the caller's number: Enter loads the highlighted one."""

    DEFAULT_CSS = PICK_CSS.format(name="CallerPickScreen")
    BINDINGS = [
        Binding("escape", "cancel", "Close", tooltip="Close the list (the pop key reopens it)")
    ]

    def __init__(
        self, number: str, contacts: Sequence[MatchedContact], *, more: bool = False
    ) -> None:
        super().__init__()
        self.number = number
        self.contacts = tuple(contacts)
        self.more = more

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"):
            title = Text("Incoming call from ")
            title.append(inert(self.number))
            title.append(
                f" · {len(self.contacts)}{'+' if self.more else ''} customers have this number"
            )
            yield Static(title, id="title")
            options = []
            for contact in self.contacts:
                label = Text(inert(contact.name), style="bold")
                label.append(f"  {inert(contact.customer_number)}")
                options.append(Option(label, id=str(contact.id)))
            yield OptionList(*options, id="callers")
            hint = "Enter loads the customer · Esc closes"
            if self.more:
                hint = "More customers share this number: search for the others. " + hint
            yield Static(Text(hint), id="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0) or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PhonePickScreen(ConsoleAppMixin, ModalScreen[str | None]):
    """The loaded customer's phones (read in a worker): Enter calls the highlighted one."""

    DEFAULT_CSS = PICK_CSS.format(name="PhonePickScreen")
    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"):
            yield Static(Text("Call customer"), id="title")
            yield OptionList(id="phones")
            yield Static(Text("Reading the customer's phones …"), id="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._load()

    def _load(self) -> None:
        gateway, contact_id = self.console_app.gateway, self.contact_id
        fetch(
            self,
            lambda: gateway.contact_info(contact_id),
            self._show,
            group="cti-phones",
            what="reading the customer's phones",
            on_error=self._not_read,
        )

    def _not_read(self, exc: BaseException) -> bool:
        """One sentence, and the list closes."""
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        self._failed(f"Could not read the customer's phones: {first}")
        return True

    def _failed(self, message: str) -> None:
        tell(self.console_app, message, title="Call customer", severity="error")
        self.dismiss(None)

    def _show(self, info: Any) -> None:
        title = Text("Call ")
        title.append(inert(info.display_name), style="bold")
        title.append(f" ({inert(info.customer_number)}) from your extension")
        self.query_one("#title", Static).update(title)
        options, seen = [], set()
        for phone in info.phones:
            number = phone.e164 or phone.number
            if number in seen:
                continue
            seen.add(number)
            label = Text(number, style="bold" if phone.is_primary else "")
            label.append(f"  {phone.kind}" + (" · main" if phone.is_primary else ""))
            options.append(Option(label, id=number))
        option_list = self.query_one(OptionList)
        option_list.add_options(options)
        if options:
            option_list.highlighted = 0
        hint = "Enter calls the number · Esc closes" if options else "This customer has no phone."
        self.query_one("#hint", Static).update(Text(hint))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
