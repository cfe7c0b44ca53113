"""Search results and Latest Communications: keyboard tables whose Enter loads the customer.

Results come one keyset page at a time (``[search] page_size`` rows, never the whole result set):
PgDn on the last row fetches the next page, PgUp on the first row the previous one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from commcentre_tui.catalog import FIELD_LABELS
from commcentre_tui.screens.messages import CustomerChosen
from commcentre_tui.text import quoted
from commcentre_tui.widgets.format import cell, when
from commcentre_tui.widgets.loading import fetch
from commcentre_tui.widgets.record_table import KeyTable

#: Result columns (label, width); the Email column takes the room left.
RESULT_COLUMNS: list[tuple[str, int | None]] = [
    ("Name", 24), ("Customer", 9), ("Phone", 13), ("Email", None)]
#: Added when a search matched a field the columns do not show (-1: fit the content).
MATCHED_COLUMN: tuple[str, int | None] = ("Also matched", -1)
#: Fields the result columns already show (not repeated under "Also matched").
SHOWN_FIELDS = {"first_name", "last_name", "company_name", "customer_number", "phone", "email"}
#: (The Subject takes the room left: at 80 columns 15 characters, not 11.)
LATEST_COLUMNS: list[tuple[str, int | None]] = [
    ("When", 16), ("Customer", 16), ("Dir.", 4), ("Media", 6), ("Subject", None),
    ("State", 9)]


def describe(conditions: Sequence[Any]) -> str:
    """``Any field like “mar”`` (and … for advanced searches)."""
    parts = []
    for c in conditions:
        op = "Like" if c.op == "like" else "="
        parts.append(f"{FIELD_LABELS.get(c.field, quoted(c.field))} {op} “{quoted(c.value)}”")
    return " and ".join(parts)


class ResultsTable(KeyTable):
    """The page of results; asks its panel for the next/previous page at the edges; typed
    letters jump to the next name starting with them."""

    TYPE_AHEAD_COLUMN = 0

    BINDINGS = [Binding("enter", "select_cursor", "Load customer",
                        tooltip="Load the highlighted customer into the customer view.")]

    @dataclass
    class PageRequested(Message):
        """``direction`` is ``"next"`` or ``"previous"``."""

        direction: str

    def action_page_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageRequested("next"))
        else:
            super().action_page_down()

    def action_page_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            self.post_message(self.PageRequested("previous"))
        else:
            super().action_page_up()


class ResultsPanel(Vertical):
    """A status line over the results table; runs searches in the ``search`` worker group."""

    DEFAULT_CSS = """
    ResultsPanel { height: 1fr; }
    ResultsPanel > #results-status { height: 1; padding: 0 1; background: $panel; }
    ResultsPanel > ResultsTable { height: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.page: Any = None
        self.page_number = 1
        self.conditions: tuple[Any, ...] = ()
        self.mode = "quick"
        self._with_matched = False

    def compose(self) -> ComposeResult:
        yield Static("", id="results-status")
        yield ResultsTable(RESULT_COLUMNS, id="results-table")

    @property
    def table(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    def _status(self, text: str) -> None:
        # One line high whatever it says: a repaint of that line, never a new layout.
        self.query_one("#results-status", Static).update(Text(text), layout=False)

    def search(self, conditions: Sequence[Any], mode: str,
               reveal: Callable[[], Any] | None = None,
               failed: Callable[[], Any] | None = None) -> None:
        """Run a new search (a newer one supersedes one still running).

        ``reveal`` brings the results into view: called with the results (or the error), or
        as soon as the search turns out slow, so a fast search changes the screen once.
        ``failed`` runs after an error has been shown (e.g. to give the search bar the cursor
        back, so the agent can correct what was typed).
        """
        self.conditions, self.mode = tuple(conditions), mode
        self._status(f"Searching {describe(conditions)} …")
        gateway = self.app.gateway  # type: ignore[attr-defined]
        show = reveal or (lambda: None)

        def first(page: Any) -> None:
            self._first(page)
            show()

        def not_done(exc: BaseException) -> bool:
            self._status(f"Search not done: {describe(conditions)}")
            show()
            if failed is not None:
                failed()
            return False

        fetch(self, lambda: gateway.search(conditions, mode=mode), first, group="search",
              what="searching", busy=self.table, on_error=not_done, on_slow=show)

    def _first(self, page: Any) -> None:
        self.page_number = 1
        if len(page.hits) == 1 and not page.has_more and not page.has_previous:
            self._show(page, cursor=0)
            self.post_message(CustomerChosen(page.hits[0].contact_id, direct=True))
            return
        self._show(page, cursor=0)

    def _show(self, page: Any, *, cursor: int) -> None:
        self.page = page
        table = self.table
        extra = {hit.contact_id: ", ".join(f"{FIELD_LABELS.get(k, k)}: {v}"
                                           for k, v in hit.matched.items()
                                           if k not in SHOWN_FIELDS) for hit in page.hits}
        with_matched = any(extra.values())
        if with_matched != self._with_matched:
            # The "Also matched" column only when a search matched fields not shown anyway.
            table.clear(columns=True)
            table.flex_column = None
            table.add_spec_columns(RESULT_COLUMNS + ([MATCHED_COLUMN] if with_matched else []))
            self._with_matched = with_matched
        table.clear()
        for hit in page.hits:
            values = [cell(hit.display_name, width=RESULT_COLUMNS[0][1]),
                      cell(hit.customer_number), cell(hit.phone), cell(hit.email)]
            if with_matched:
                values.append(cell(extra[hit.contact_id] or ""))
            table.add_row(*values, key=str(hit.contact_id))
        what = describe(self.conditions)
        if not page.hits:
            self._status(f"No customer matches {what}.")
            return
        size = self.app.settings.search.page_size  # type: ignore[attr-defined]
        first = (self.page_number - 1) * size + 1
        last = first + len(page.hits) - 1
        hints = []
        if page.has_previous:
            hints.append("PgUp on the first row: previous page")
        if page.has_more:
            hints.append("PgDn on the last row: next page")
        total = f" of {page.total_text}" if page.total_text else ""
        self._status(f"{first}–{last}{total} for {what}" + (" · " + " · ".join(hints) if hints else ""))
        table.measure_now()
        table.call_after_refresh(table.fit_columns)
        table.move_cursor(row=min(cursor, table.row_count - 1) if cursor >= 0 else table.row_count - 1)

    def on_results_table_page_requested(self, event: ResultsTable.PageRequested) -> None:
        event.stop()
        page = self.page
        if page is None or not page.hits:
            return
        gateway = self.app.gateway  # type: ignore[attr-defined]
        conditions, mode = self.conditions, self.mode
        if event.direction == "next" and page.has_more:
            after = page.hits[-1].sort_key
            fetch(self, lambda: gateway.search(conditions, mode=mode, after=after),
                  lambda p: self._turn(p, +1, 0), group="search", what="turning the page",
                  busy=self.table)
        elif event.direction == "previous" and page.has_previous:
            before = page.hits[0].sort_key
            fetch(self, lambda: gateway.search(conditions, mode=mode, before=before),
                  lambda p: self._turn(p, -1, -1), group="search", what="turning the page",
                  busy=self.table)

    def _turn(self, page: Any, step: int, cursor: int) -> None:
        self.page_number = max(1, self.page_number + step)
        self._show(page, cursor=cursor)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(CustomerChosen(int(event.row_key.value)))

    def focus_table(self) -> None:
        self.table.focus()


class LatestTable(KeyTable):
    """Latest Communications; Enter loads the communication's customer; typed letters jump to
    the next customer name starting with them."""

    TYPE_AHEAD_COLUMN = 1

    BINDINGS = [Binding("enter", "select_cursor", "Load customer",
                        tooltip="Load this communication's customer.")]


class LatestPanel(Vertical):
    """The agent's Latest Communications; Enter loads the communication's customer."""

    DEFAULT_CSS = """
    LatestPanel { height: 1fr; }
    LatestPanel > #latest-status { height: 1; padding: 0 1; background: $panel; }
    LatestPanel > KeyTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="latest-status")
        yield LatestTable(LATEST_COLUMNS, id="latest-table")

    @property
    def table(self) -> KeyTable:
        return self.query_one("#latest-table", KeyTable)

    def refresh_list(self) -> None:
        """Read the agent's latest communications again."""
        self.query_one("#latest-status", Static).update("Latest Communications: reading …",
                                                        layout=False)
        gateway = self.app.gateway  # type: ignore[attr-defined]
        fetch(self, gateway.latest, self._show, group="latest",
              what="reading your latest communications", busy=self.table)

    def _show(self, rows: Sequence[Any]) -> None:
        table = self.table
        table.clear()
        for i, c in enumerate(rows):
            table.add_row(cell(when(c.created_at)), cell(c.contact_name, width=LATEST_COLUMNS[1][1]),
                          cell(c.direction[:3]), cell(c.media), cell(c.subject),
                          Text("Draft", style="bold") if c.state == "draft" else cell(c.state),
                          key=f"{i}:{c.contact_id}")
        text = (f"Your {len(rows)} latest communications · Enter loads the customer"
                if rows else "You have not logged any communication yet.")
        self.query_one("#latest-status", Static).update(Text(text), layout=False)
        table.move_cursor(row=0)
        table.measure_now()
        table.call_after_refresh(table.fit_columns)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key:
            self.post_message(CustomerChosen(int(key.split(":", 1)[1])))
