"""Recent Calls: this session's calls, newest first; Enter loads the call's customer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from commcentre_tui import zones
from commcentre_tui.controllers.cti.calls import CallRecord, duration_words
from commcentre_tui.controllers.cti.tell import tell
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.text import inert

COLUMNS = ("Time", "Direction", "Number", "Customer", "Duration", "State")


def _local_time(at: datetime) -> str:
    return zones.local(at).strftime("%H:%M:%S")


class RecentCallsScreen(ConsoleAppMixin, ModalScreen[int | None]):
    """Dismisses with the chosen call's contact id (``None`` when closed)."""

    DEFAULT_CSS = """
    RecentCallsScreen { align: center middle; }
    RecentCallsScreen > #frame {
        width: 110; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $panel; padding: 0 1;
    }
    RecentCallsScreen #title { text-style: bold; padding-bottom: 1; }
    RecentCallsScreen DataTable { height: auto; max-height: 20; }
    RecentCallsScreen #hint { color: $text-muted; padding-top: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, calls: Sequence[CallRecord]) -> None:
        super().__init__()
        self.calls = list(calls)

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"):
            yield Static(Text(f"Recent Calls · {len(self.calls)} this session"), id="title")
            table: DataTable[Text] = DataTable(
                id="recent-calls", cursor_type="row", zebra_stripes=True
            )
            table.add_columns(*COLUMNS)
            for record in self.calls:
                customer = Text(
                    inert(record.contact_name)
                    or ("" if record.contact_id is None else f"customer {record.contact_id}")
                )
                if record.customer_number:
                    customer.append(f" ({inert(record.customer_number)})")
                table.add_row(
                    Text(_local_time(record.rang_at)),
                    Text(record.direction),
                    Text(inert(record.shown_number)),
                    customer,
                    Text(duration_words(record.seconds)),
                    Text(record.state),
                    key=record.call_id,
                )
            yield table
            hint = (
                "Enter loads the customer · Esc closes"
                if self.calls
                else "No calls yet in this session."
            )
            yield Static(Text(hint), id="hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        record = next((r for r in self.calls if r.call_id == event.row_key.value), None)
        if record is None:
            return
        if record.contact_id is None:
            tell(
                self.console_app,
                "No customer is linked to this call.",
                title="Recent Calls",
                severity="warning",
            )
            return
        self.dismiss(record.contact_id)

    def action_close(self) -> None:
        self.dismiss(None)
