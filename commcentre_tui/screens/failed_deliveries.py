"""Failed deliveries, one key (``f``) away on the Wallboard: customer, subject, reason, when.

Enter loads the customer in the console (the Wallboard closes); ``r`` queues the highlighted
delivery again (``services.communications.retry_delivery``: permission, audit, one transaction)
and reads the list again. Texts from the database and the mail/SMS servers are inert ``Text``.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from commcentre_tui.keys import bind
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch, report
from commcentre_tui.widgets.footer import ConsoleFooter

TITLE = "Failed deliveries"


class FailedDeliveriesScreen(ConsoleAppMixin, Screen[int | None]):
    """See the module docstring; dismissed with the customer to load (or ``None``)."""

    DEFAULT_CSS = """
    FailedDeliveriesScreen #failed-title { height: auto; padding: 0 1; background: $boost; }
    FailedDeliveriesScreen DataTable { height: 1fr; }
    """

    BINDINGS = [
        bind("back", "back"),
        Binding("enter", "open", "Load customer", priority=True),
        Binding("r", "retry", "Retry", tooltip="Queue the highlighted delivery again"),
    ]

    def __init__(self, since: datetime, tz: tzinfo | None = None) -> None:
        super().__init__(id="failed-deliveries")
        self.since, self.tz = since, tz
        self.rows: list[Any] | None = None
        """The failed deliveries shown (``None`` before the first read)."""

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="☰")
        yield Static(Text(f"{TITLE}: reading …"), id="failed-title")
        yield DataTable(id="failed-table", cursor_type="row", zebra_stripes=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Customer", "Media", "Subject", "Reason")
        table.focus()
        self.read()

    def read(self) -> None:
        app = self.console_app
        engine, since = app.engine, self.since

        def call() -> Any:
            from commcentre_tui.repo.failed_deliveries import failed_deliveries

            return failed_deliveries(engine, since)

        fetch(self, call, self.show, group="failed", what="the failed deliveries")

    def show(self, rows: list[Any]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                Text(f"{row.at.astimezone(self.tz):%H:%M}"),
                Text(row.customer[:24]),
                Text(row.media),
                Text(row.subject[:30]),
                Text(row.reason),
                key=str(row.communication_id),
            )
        title = Text(f"{TITLE} today: {len(rows)}", style="bold")
        title.append("  ·  Enter loads the customer, r retries, Esc back", style="dim")
        if not rows:
            title = Text("No failed deliveries today.  ·  Esc back")
        self.query_one("#failed-title", Static).update(title)

    def _current(self) -> Any:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_open(self) -> None:
        row = self._current()
        if row is not None and row.contact_id is not None:
            self.dismiss(row.contact_id)

    def action_retry(self) -> None:
        row = self._current()
        if row is None:
            return
        app = self.console_app
        engine, settings, actor = app.engine, app.settings, app.actor

        def call() -> Any:
            from commcentre_tui.services.communications import retry_delivery
            from commcentre_tui.services.context import ServiceContext

            return retry_delivery(ServiceContext(engine, settings, actor), row.communication_id)

        def done(_: Any) -> None:
            app.notify(
                f"Queued again: {row.subject or row.media} to {row.customer}.",
                title=TITLE,
                markup=False,  # the subject and name are the customer's text
            )
            self.read()

        def failed(exc: BaseException) -> bool:
            report(self, exc, "the retry")
            return True

        fetch(self, call, done, group="failed-retry", what="the retry", on_error=failed)

    def action_back(self) -> None:
        self.dismiss(None)
