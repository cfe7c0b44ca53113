"""One row of Add More Information: a phone, email or address with its kind, inputs, main tick box
and remove button, and its error line below."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from commcentre_tui.repo.customer_info import AddressItem, EmailItem, PhoneItem
from commcentre_tui.services.contact_info import ADDRESS_KINDS, EMAIL_KINDS, PHONE_KINDS
from commcentre_tui.widgets.contact_prefs import TickBox

#: Section → (title, kinds, inputs as (name, placeholder, css width)).
SECTIONS: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {
    "phones": ("Phones", PHONE_KINDS, (("number", "phone number", "1fr"),)),
    "emails": ("Emails", EMAIL_KINDS, (("address", "name@example.com", "1fr"),)),
    "addresses": (
        "Addresses",
        ADDRESS_KINDS,
        (
            ("street", "street", "1fr"),
            ("city", "city", "12"),
            ("postal_code", "postcode", "8"),
            ("country", "country", "9"),
        ),
    ),
}


class InfoRow(Vertical):
    """One phone, email or address: kind, inputs, main, remove; its error line below."""

    DEFAULT_CSS = """
    InfoRow { height: auto; }
    InfoRow > Horizontal { height: 1; }
    InfoRow Select { width: 11; margin-right: 1; }
    InfoRow Input { margin-right: 1; }
    InfoRow TickBox { width: auto; margin-right: 1; }
    InfoRow Button { width: 3; min-width: 3; }
    InfoRow > .row-error { height: auto; width: 1fr; display: none; padding-left: 12; }
    InfoRow.-error > .row-error { display: block; }
    """

    def __init__(self, section: str, item: Any | None = None) -> None:
        super().__init__(classes=f"info-row {section}-row")
        self.section = section
        self.item_id: int | None = getattr(item, "id", None)
        self.item = item

    def compose(self) -> ComposeResult:
        _, kinds, inputs = SECTIONS[self.section]
        item = self.item
        kind = getattr(item, "kind", kinds[0])
        with Horizontal():
            yield Select(
                [(k, k) for k in kinds],
                value=kind if kind in kinds else kinds[0],
                allow_blank=False,
                compact=True,
                classes="kind",
            )
            for name, placeholder, width in inputs:
                box = Input(
                    str(getattr(item, name, "") or ""),
                    placeholder=placeholder,
                    compact=True,
                    classes=f"field-{name}",
                )
                box.styles.width = width
                yield box
            yield TickBox(
                "main",
                bool(getattr(item, "is_primary", False)),
                compact=True,
                classes="main",
                tooltip="Ticked (✓): the main one of its kind",
            )
            yield Button(
                "✕",
                compact=True,
                classes="remove",
                tooltip="Remove this row (saved when you press Save)",
            )
        yield Label("", classes="row-error")

    def value(self, name: str) -> str:
        return self.query_one(f".field-{name}", Input).value

    @property
    def kind(self) -> str:
        return str(self.query_one(".kind", Select).value)

    @property
    def is_main(self) -> bool:
        return self.query_one(".main", TickBox).value

    def to_item(self) -> PhoneItem | EmailItem | AddressItem:
        """The row as the service takes it."""
        if self.section == "phones":
            return PhoneItem(self.item_id, self.kind, self.value("number"), self.is_main)
        if self.section == "emails":
            return EmailItem(self.item_id, self.kind, self.value("address"), self.is_main)
        return AddressItem(
            self.item_id,
            self.kind,
            self.value("street"),
            self.value("city"),
            self.value("postal_code"),
            self.value("country"),
            self.is_main,
        )

    def show_errors(self, messages: list[str]) -> None:
        """Show ``messages`` under the row (none: hide the line)."""
        self.set_class(bool(messages), "-error")
        self.query_one(".row-error", Label).update(Text(" ".join(f"✗ {m}" for m in messages)))

    def focus_first(self) -> None:
        boxes = self.query(Input)
        if boxes:
            boxes.first().focus()
