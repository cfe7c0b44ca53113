"""Latest Communications: the agent's latest communications as a keyboard table (read again on
demand); Enter loads the communication's customer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.format import cell, one_line, when
from commcentre_tui.support.loading import HoldsKeys, fetch
from commcentre_tui.support.messages import CustomerChosen
from commcentre_tui.widgets.record_table import KeyTable

#: (The Subject takes the room left: at 80 columns 15 characters, not 11.)
LATEST_COLUMNS: list[tuple[str, int | None]] = [
    ("When", 16),
    ("Customer", 16),
    ("Dir.", 4),
    ("Media", 6),
    ("Subject", None),
    ("State", 9),
]


class LatestTable(HoldsKeys, KeyTable):
    """Latest Communications; Enter loads the communication's customer; typed letters jump to
    the next customer name starting with them (also those typed while the list loads)."""

    TYPE_AHEAD_COLUMN = 1

    BINDINGS = [
        Binding(
            "enter", "select_cursor", "Load customer", tooltip="Load this communication's customer."
        )
    ]


class LatestPanel(ConsoleAppMixin, Vertical):
    """The agent's Latest Communications; Enter loads the communication's customer."""

    DEFAULT_CSS = """
    LatestPanel { height: 1fr; }
    LatestPanel > #latest-status { height: 1; padding: 0 1; background: $panel; }
    LatestPanel > KeyTable { height: 1fr; }
    LatestPanel > #latest-detail { height: 2; padding: 0 1; background: $panel; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="latest-status")
        yield LatestTable(LATEST_COLUMNS, id="latest-table")
        yield Static("", id="latest-detail")  # the highlighted row whole (the subject is cut)

    @property
    def table(self) -> KeyTable:
        return self.query_one("#latest-table", KeyTable)

    def refresh_list(self) -> None:
        """Read the agent's latest communications again."""
        self.query_one("#latest-status", Static).update(
            "Latest Communications: reading …", layout=False
        )
        gateway = self.console_app.gateway
        fetch(
            self,
            gateway.latest,
            self._show,
            group="latest",
            what="reading your latest communications",
            busy=self.table,
        )

    def _show(self, rows: Sequence[Any]) -> None:
        table = self.table
        table.clear()
        for i, c in enumerate(rows):
            table.add_row(
                cell(when(c.created_at)),
                cell(c.contact_name, width=LATEST_COLUMNS[1][1]),
                cell(c.direction[:3]),
                cell(c.media),
                one_line(c.subject),
                Text("Draft", style="bold") if c.state == "draft" else cell(c.state),
                key=f"{i}:{c.contact_id}",
            )
        text = (
            f"Your {len(rows)} latest communications · Enter loads the customer"
            if rows
            else "You have not logged any communication yet."
        )
        self.query_one("#latest-status", Static).update(Text(text), layout=False)
        table.move_cursor(row=0)
        table.measure_now()
        table.call_after_refresh(table.fit_columns)
        self._show_detail()

    def _show_detail(self) -> None:
        self.query_one("#latest-detail", Static).update(self.table.detail(), layout=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key:
            self.post_message(CustomerChosen(int(key.split(":", 1)[1])))
