"""Short pick lists: which customer is calling (several share the number), which phone to call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from commcentre_tui.controllers.cti.tell import tell
from commcentre_tui.repo.cti_lookup import MatchedContact
from commcentre_tui.screens.pick_list import PICK_CSS, PickListScreen
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert


class CallerPickScreen(PickListScreen[int]):
    """Several customers have the caller's number: Enter loads the highlighted one."""

    DEFAULT_CSS = PICK_CSS.format(name="CallerPickScreen")
    LIST_ID = "callers"
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

    def pick_title(self) -> Text:
        title = Text("Incoming call from ")
        title.append(inert(self.number))
        title.append(
            f" · {len(self.contacts)}{'+' if self.more else ''} customers have this number"
        )
        return title

    def pick_options(self) -> list[Option]:
        options = []
        for contact in self.contacts:
            label = Text(inert(contact.name), style="bold")
            label.append(f"  {inert(contact.customer_number)}")
            options.append(Option(label, id=str(contact.id)))
        return options

    def pick_hint(self, options: list[Option]) -> str:
        hint = "Enter loads the customer · Esc closes"
        if self.more:
            hint = "More customers share this number: search for the others. " + hint
        return hint

    def picked(self, option_id: str | None) -> int | None:
        return int(option_id or 0) or None


class PhonePickScreen(ConsoleAppMixin, PickListScreen[str]):
    """The loaded customer's phones (read in a worker): Enter calls the highlighted one."""

    DEFAULT_CSS = PICK_CSS.format(name="PhonePickScreen")
    LIST_ID = "phones"

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id

    def pick_title(self) -> Text:
        return Text("Call customer")

    def pick_hint(self, options: list[Option]) -> str:
        return "Reading the customer's phones …"

    def picked(self, option_id: str | None) -> str | None:
        return option_id

    def list_focused(self) -> None:
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
