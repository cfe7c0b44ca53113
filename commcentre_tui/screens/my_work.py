"""My Work (F11): everything waiting for the signed-in agent, across customers.

Filters on top (kind, due), the list below (50 at a time, ``m`` for more), the counts in the
title ("My Work 7 · 2 overdue"). Enter loads the customer and opens the record read-only — a
Draft opens in the communication form, as Enter on it in the Customer Care tab does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Label, Select, Static

from commcentre_tui import zones
from commcentre_tui.keys import bind
from commcentre_tui.repo.customer_detail import RecordRef
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.format import short_kind, status
from commcentre_tui.support.loading import fetch
from commcentre_tui.widgets.footer import ConsoleFooter
from commcentre_tui.widgets.record_table import RecordTable

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

TITLE = "My Work"
KIND_CHOICES: tuple[tuple[str, str], ...] = (
    ("Tasks", "task"),
    ("Cases", "case"),
    ("Activities", "activity"),
    ("Jobs", "job"),
    ("Service requests", "service_request"),
    ("Leads", "lead"),
    ("Incoming", "incoming"),
    ("Drafts", "draft"),
    ("Failed deliveries", "failed"),
)
DUE_CHOICES: tuple[tuple[str, str], ...] = (
    ("Overdue", "overdue"),
    ("Due today", "today"),
    ("Due this week", "week"),
)
COLUMNS: list[tuple[str, int | None]] = [
    ("Due", 12),
    ("Item", 14),
    ("Customer", 18),
    ("Title", None),
    ("Status", 11),
]


def console_now(app: CommCentreApp) -> datetime:
    """Now, on the console's calendar day (tests and demos run the console on a fixed date)."""
    now = datetime.now(UTC)
    today = app.gateway.today()
    return now if today == now.date() else datetime.combine(today, now.time(), UTC)


def my_work_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """The palette entry "My Work" (every agent)."""
    if getattr(app.actor, "agent_id", None) is not None:
        yield SystemCommand(
            TITLE, "Everything waiting for you across customers", lambda: open_my_work(app)
        )


def open_my_work(app: CommCentreApp) -> None:
    """Show My Work over the console (a second F11 while it is open does nothing); over a form
    or another screen it says to close that first, so no unsaved work is left behind."""
    if isinstance(app.screen, MyWorkScreen):
        return
    if app.screen is not app.console_screen:
        app.notify(
            "Close this screen first (Esc), then open My Work.", title=TITLE, severity="warning"
        )
        return
    app.push_screen(MyWorkScreen())


class MyWorkScreen(ConsoleAppMixin, Screen[None]):
    """The agent's open items; Enter opens one over its customer."""

    DEFAULT_CSS = """
    MyWorkScreen #my-work-title { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    MyWorkScreen #my-work-filters { height: auto; padding: 0 1; }
    MyWorkScreen #my-work-filters > Label { padding: 0 1 0 0; height: 1; margin-top: 0; }
    MyWorkScreen #my-work-filters > Select { width: 26; margin-right: 2; }
    MyWorkScreen #my-work-table { height: 1fr; max-height: 100%; }
    """

    BINDINGS = [bind("back", "back")]

    def __init__(self) -> None:
        super().__init__(id="my-work")
        self.kind: str | None = None
        self.due = "all"
        self.cursor: Any = None
        self.items: list[Any] = []
        self.counts: Any = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="☰")
        yield Static(Text(f"{TITLE}: reading …"), id="my-work-title")
        with Horizontal(id="my-work-filters"):
            yield Label("Kind")
            yield Select(KIND_CHOICES, prompt="All kinds", id="my-work-kind", compact=True)
            yield Label("Due")
            yield Select(DUE_CHOICES, prompt="Any time", id="my-work-due", compact=True)
        yield RecordTable(COLUMNS, empty="Nothing is waiting for you.", id="my-work-table")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self.read()

    @property
    def table(self) -> RecordTable:
        return self.query_one("#my-work-table", RecordTable)

    # Reading ------------------------------------------------------------------------------
    def read(self, *, more: bool = False) -> None:
        """Read the counts and the first page (or, with ``more``, the next page)."""
        app = self.console_app
        engine, actor, now = app.engine, app.actor, console_now(app)
        kinds = (self.kind,) if self.kind else ()
        due, after = self.due, self.cursor if more else None

        def call() -> tuple[Any, Any]:
            from commcentre_tui.repo.my_work import my_work, work_counts

            page = my_work(engine, actor, now=now, kinds=kinds, due=due, after=after)
            return page, None if more else work_counts(engine, actor, now=now)

        fetch(
            self,
            call,
            lambda result: self.show(*result, now=now, append=more),
            group="my-work",
            what="reading My Work",
            busy=self.table,
        )

    def show(self, page: Any, counts: Any, *, now: datetime, append: bool = False) -> None:
        """Show a page (UI loop)."""
        if counts is not None:
            self.counts = counts
        self.cursor = page.cursor
        self.items = [*self.items, *page.items] if append else list(page.items)
        self.table.show(
            ((RecordRef(i.entity, i.id), self._cells(i, now)) for i in page.items),
            has_more=page.has_more,
            append=append,
        )
        self._title()

    def _cells(self, item: Any, now: datetime) -> list[Any]:
        due = f"{zones.local(item.due):%d %b %H:%M}" if item.due is not None else ""
        late = item.overdue(now)
        label = short_kind(item.kind) if item.entity == item.kind else item.label
        return [
            Text(due, style="bold red" if late else ""),
            f"{label} {item.number}",
            item.customer,
            item.title,
            Text("overdue" if late else status(item.status), style="bold red" if late else ""),
        ]

    def _title(self) -> None:
        counts = self.counts
        text = Text(TITLE, style="bold")
        if counts is not None:
            text.append(f" {counts.total}")
            if counts.overdue:
                text.append(f" · {counts.overdue} overdue", style="bold red")
        shown = len(self.items)
        if self.kind or self.due != "all":
            text.append(
                f"  —  {shown}{'+' if self.table.has_more else ''} shown with the filters", style=""
            )
        text.append("  ·  Enter opens", style="dim")
        self.query_one("#my-work-title", Static).update(text)

    # Filters ------------------------------------------------------------------------------
    @on(Select.Changed, "#my-work-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self.kind = None if event.value is Select.BLANK else str(event.value)
        self.read()

    @on(Select.Changed, "#my-work-due")
    def _due_changed(self, event: Select.Changed) -> None:
        self.due = "all" if event.value is Select.BLANK else str(event.value)
        self.read()

    def on_record_table_more_requested(self, event: RecordTable.MoreRequested) -> None:
        event.stop()
        self.read(more=True)

    # Opening ------------------------------------------------------------------------------
    def on_record_table_view_requested(self, event: RecordTable.ViewRequested) -> None:
        event.stop()
        ref = event.ref
        item = next((i for i in self.items if RecordRef(i.entity, i.id) == ref), None)
        if item is None:
            return
        app = self.console_app
        self.dismiss(None)
        app.load_customer(item.contact_id, focus=True)
        # The customer loads first (a draft's form belongs to the loaded customer), then the
        # record opens as Enter opens it in the customer view.
        app.console_screen.when_ready(
            lambda: app.on_record_table_view_requested(RecordTable.ViewRequested(event.table, ref))
        )

    def action_back(self) -> None:
        """Back to the console."""
        self.dismiss(None)
