"""Search results: a keyboard table whose Enter loads the customer (Latest Communications, its
sibling view: :mod:`.latest`).

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
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static

from commcentre_tui.catalog import FIELD_LABELS
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.format import DASH, one_line
from commcentre_tui.support.loading import HoldsKeys, fetch, focus_now
from commcentre_tui.support.messages import CustomerChosen
from commcentre_tui.text import quoted
from commcentre_tui.widgets.record_table import KeyTable

#: Result columns (label, free): the columns that identify a customer (name, number, phone)
#: are shown whole and never shrink; free text (email) takes the room left, cut with "…",
#: and the highlighted row's whole values are in the detail line under the table.
RESULT_COLUMNS: list[tuple[str, bool]] = [
    ("Name", False),
    ("Customer", False),
    ("Phone", False),
    ("Email", True),
]
#: Added when a search matched a field the columns do not show (free text too).
MATCHED_COLUMN: tuple[str, bool] = ("Also matched", True)
#: A name longer than this is cut in its column (whole in the detail line).
NAME_MAX = 32
#: The narrowest a free-text column gets.
FREE_MIN = 8
#: Fields the result columns already show (not repeated under "Also matched").
SHOWN_FIELDS = {"first_name", "last_name", "company_name", "customer_number", "phone", "email"}


def describe(conditions: Sequence[Any]) -> str:
    """``Any field like “mar”`` (and … for advanced searches)."""
    parts = []
    for c in conditions:
        op = "Like" if c.op == "like" else "="
        parts.append(f"{FIELD_LABELS.get(c.field, quoted(c.field))} {op} “{quoted(c.value)}”")
    return " and ".join(parts)


class ResultsTable(HoldsKeys, KeyTable):
    """The page of results; asks its panel for the next/previous page at the edges; typed
    letters jump to the next name starting with them. Keys typed while a search or a page
    loads are applied once it is shown."""

    TYPE_AHEAD_COLUMN = 0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.free: list[bool] = []
        """Per column: free text (shares the room left) or identifying (shown whole)."""
        self.natural: list[int] = []
        """Per column: the width its widest value on this page needs."""

    def on_mount(self) -> None:
        self.set_columns(RESULT_COLUMNS)

    def set_columns(self, spec: Sequence[tuple[str, bool]]) -> None:
        """Replace the columns by ``spec`` ((label, free) pairs); rows are cleared too."""
        self.clear(columns=True)
        for label, _free in spec:
            self.add_column(label, width=len(label))
        self.free = [free for _label, free in spec]
        self.natural = [len(label) for label, _free in spec]

    def fit_columns(self) -> None:
        """Identifying columns at their natural width; the free-text ones share the rest, the
        narrowest need first, the last taking what is left (so the table fills its width)."""
        width = self.content_width()
        if not width or len(self.natural) != len(self.columns):
            return
        widths = list(self.natural)
        free = sorted((i for i, f in enumerate(self.free) if f), key=lambda i: widths[i])
        left = (
            width
            - 2 * self.cell_padding * len(widths)
            - sum(w for i, w in enumerate(widths) if not self.free[i])
        )
        for n, i in enumerate(free):
            share = max(FREE_MIN, left // (len(free) - n))
            widths[i] = max(FREE_MIN, left) if n == len(free) - 1 else min(widths[i], share)
            left -= widths[i]
        self.set_widths(dict(enumerate(widths)))

    BINDINGS = [
        Binding(
            "enter",
            "select_cursor",
            "Load customer",
            tooltip="Load the highlighted customer into the customer view.",
        )
    ]

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


class ResultsPanel(ConsoleAppMixin, Vertical):
    """A status line over the results table; runs searches in the ``search`` worker group."""

    DEFAULT_CSS = """
    ResultsPanel { height: 1fr; }
    ResultsPanel > #results-status { height: 1; padding: 0 1; background: $panel; }
    ResultsPanel > ResultsTable { height: 1fr; }
    ResultsPanel > #results-detail { height: 2; padding: 0 1; background: $panel; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.page: Any = None
        self.page_number = 1
        self.conditions: tuple[Any, ...] = ()
        self.mode = "quick"
        self._with_matched = False
        self._details: dict[str, Text] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="results-status")
        yield ResultsTable(id="results-table")
        yield Static("", id="results-detail")

    @property
    def table(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    def _status(self, text: str) -> None:
        # One line high whatever it says: a repaint of that line, never a new layout.
        self.query_one("#results-status", Static).update(Text(text), layout=False)

    def search(
        self,
        conditions: Sequence[Any],
        mode: str,
        reveal: Callable[[], Any] | None = None,
        failed: Callable[[], Any] | None = None,
    ) -> None:
        """Run a new search (a newer one supersedes one still running).

        ``reveal`` brings the results into view: called with the results (or the error), or
        as soon as the search turns out slow, so a fast search changes the screen once.
        ``failed`` runs after an error has been shown (e.g. to give the search bar the cursor
        back, so the agent can correct what was typed).
        """
        self.conditions, self.mode = tuple(conditions), mode
        self._status(f"Searching {describe(conditions)} …")
        gateway = self.console_app.gateway
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

        fetch(
            self,
            lambda: gateway.search(conditions, mode=mode),
            first,
            group="search",
            what="searching",
            busy=self.table,
            on_error=not_done,
            on_slow=show,
        )

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
        extra = {
            hit.contact_id: ", ".join(
                f"{FIELD_LABELS.get(k, k)}: {v}"
                for k, v in hit.matched.items()
                if k not in SHOWN_FIELDS
            )
            for hit in page.hits
        }
        with_matched = any(extra.values())
        spec = RESULT_COLUMNS + ([MATCHED_COLUMN] if with_matched else [])
        if with_matched != self._with_matched:
            # The "Also matched" column only when a search matched fields not shown anyway.
            table.set_columns(spec)
            self._with_matched = with_matched
        table.clear()
        natural = [len(label) for label, _free in spec]
        self._details = {}
        for hit in page.hits:
            values = [
                one_line(v) for v in (hit.display_name, hit.customer_number, hit.phone, hit.email)
            ]
            if with_matched:
                values.append(one_line(extra[hit.contact_id] or ""))
            natural = [max(n, v.cell_len) for n, v in zip(natural, values, strict=True)]
            table.add_row(*values, key=str(hit.contact_id))
            self._details[str(hit.contact_id)] = self._detail(values, spec)
        natural[0] = min(natural[0], NAME_MAX)
        table.natural = natural
        what = describe(self.conditions)
        if not page.hits:
            self._status(f"No customer matches {what}.")
            self._show_detail(None)
            return
        size = self.console_app.settings.search.page_size
        first = (self.page_number - 1) * size + 1
        last = first + len(page.hits) - 1
        hints = []
        if page.has_previous:
            hints.append("PgUp on the first row: previous page")
        if page.has_more:
            hints.append("PgDn on the last row: next page")
        total = f" of {page.total_text}" if page.total_text else ""
        self._status(
            f"{first}–{last}{total} for {what}" + (" · " + " · ".join(hints) if hints else "")
        )
        table.measure_now()
        table.call_after_refresh(table.fit_columns)
        table.move_cursor(
            row=min(cursor, table.row_count - 1) if cursor >= 0 else table.row_count - 1
        )
        self._show_detail(table.cursor_row)

    @staticmethod
    def _detail(values: Sequence[Text], spec: Sequence[tuple[str, bool]]) -> Text:
        """A row's whole values on (at most) two lines: ``Name · number · phone · email``."""
        detail = Text(no_wrap=False, overflow="fold")
        for n, (value, (label, _free)) in enumerate(zip(values, spec, strict=True)):
            if not value.plain or value.plain == DASH:
                continue
            if n:
                detail.append(" · ")
            if label == MATCHED_COLUMN[0]:
                detail.append(f"{label}: ", style="italic")
            detail.append(value.plain, style="bold" if n == 0 else "")
        return detail

    def _show_detail(self, row: int | None) -> None:
        """Show the whole values of result row ``row`` (``None``: nothing) under the table."""
        text = Text()
        table = self.table
        if row is not None and 0 <= row < table.row_count:
            key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
            text = self._details.get(str(key), text)
        # Two lines high whatever it says: a repaint, never a new layout.
        self.query_one("#results-detail", Static).update(text, layout=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.table:
            event.stop()
            self._show_detail(event.cursor_row)

    def on_results_table_page_requested(self, event: ResultsTable.PageRequested) -> None:
        event.stop()
        page = self.page
        if page is None or not page.hits:
            return
        gateway = self.console_app.gateway
        conditions, mode = self.conditions, self.mode
        if event.direction == "next" and page.has_more:
            after = page.hits[-1].sort_key
            fetch(
                self,
                lambda: gateway.search(conditions, mode=mode, after=after),
                lambda p: self._turn(p, +1, 0),
                group="search",
                what="turning the page",
                busy=self.table,
            )
        elif event.direction == "previous" and page.has_previous:
            before = page.hits[0].sort_key
            fetch(
                self,
                lambda: gateway.search(conditions, mode=mode, before=before),
                lambda p: self._turn(p, -1, -1),
                group="search",
                what="turning the page",
                busy=self.table,
            )

    def _turn(self, page: Any, step: int, cursor: int) -> None:
        self.page_number = max(1, self.page_number + step)
        self._show(page, cursor=cursor)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(CustomerChosen(int(event.row_key.value)))

    def focus_table(self) -> None:
        """Put the cursor in the results now (not after the keys already typed)."""
        focus_now(self.table)
