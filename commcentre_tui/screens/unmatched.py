"""Unmatched incoming (supervisors): emails and SMS no customer was found for.

The list is newest first (``m`` for more), the highlighted message whole below it. Enter (or
``a``) attaches the highlighted one to the customer loaded in the console, after a yes/no (it
then waits in the attaching agent's My Work); ``l`` opens Log Person Information prefilled with
the sender, for a sender who is a new customer. Everything shown came from outside: plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static

from commcentre_tui import zones
from commcentre_tui.keys import bind
from commcentre_tui.repo.customer_detail import RecordRef
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert
from commcentre_tui.widgets.footer import ConsoleFooter
from commcentre_tui.widgets.record_table import RecordTable

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

TITLE = "Unmatched incoming"
COLUMNS: list[tuple[str, int | None]] = [
    ("Received", 13),
    ("Via", 5),
    ("From", 26),
    ("Subject", None),
]
MEDIA_WORDS = {"email": "Email", "sms": "SMS"}


def may_open(actor: Any) -> bool:
    """Supervisor roles only (as the Wallboard)."""
    return bool(getattr(actor, "agent_id", None) is not None and actor.is_supervisor)


def unmatched_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """The palette entry "Unmatched incoming" (supervisors)."""
    if may_open(app.actor):
        yield SystemCommand(
            TITLE,
            "Emails and SMS no customer was found for: attach one to the "
            "loaded customer, or log the sender as a new person",
            lambda: open_unmatched(app),
        )


def open_unmatched(app: CommCentreApp) -> None:
    """Show the list over the console (over a form it says to close that first)."""
    if isinstance(app.screen, UnmatchedScreen):
        return
    if not may_open(app.actor):
        app.notify(f"{TITLE} is for supervisors.", title=TITLE, severity="warning")
        return
    if app.screen is not app.console_screen:
        app.notify(
            f"Close this screen first (Esc), then open {TITLE}.", title=TITLE, severity="warning"
        )
        return
    app.push_screen(UnmatchedScreen())


def sender_words(row: Any) -> str:
    """ "Name <address>" or the address alone (untrusted: made inert)."""
    name = inert(row.sender_name).strip()
    return f"{name} <{inert(row.sender)}>" if name else inert(row.sender)


class UnmatchedScreen(ConsoleAppMixin, Screen[None]):
    """The unmatched incoming communications; Enter attaches one to the loaded customer."""

    DEFAULT_CSS = """
    UnmatchedScreen #unmatched-title { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    UnmatchedScreen #unmatched-table { height: 1fr; max-height: 100%; }
    UnmatchedScreen #unmatched-body { height: auto; max-height: 6; padding: 0 1; background: $boost; }
    """

    BINDINGS = [
        bind("back", "back"),
        Binding(
            "a", "attach", "Attach", tooltip="Attach the highlighted message to the loaded customer"
        ),
        Binding(
            "l",
            "log_person",
            "Log person",
            tooltip="Log Person Information prefilled with the sender",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="unmatched")
        self.rows: dict[int, Any] = {}
        self.cursor: Any = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="☰")
        yield Static(Text(f"{TITLE}: reading …"), id="unmatched-title")
        yield RecordTable(
            COLUMNS,
            empty="No unmatched emails or SMS: every sender was found.",
            id="unmatched-table",
        )
        yield Static("", id="unmatched-body")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self.read()

    @property
    def table(self) -> RecordTable:
        return self.query_one("#unmatched-table", RecordTable)

    def read(self, *, more: bool = False) -> None:
        """Read the first page (or, with ``more``, the next one) and the count."""
        engine, after = self.console_app.engine, self.cursor if more else None

        def call() -> tuple[Any, int]:
            from commcentre_tui.repo.inbound_queries import unmatched, unmatched_count

            return unmatched(engine, after=after), unmatched_count(engine)

        fetch(
            self,
            call,
            lambda result: self.show(*result, append=more),
            group="unmatched",
            what="reading the unmatched messages",
            busy=self.table,
        )

    def show(self, page: Any, count: int, *, append: bool = False) -> None:
        """Show a page (UI loop)."""
        if not append:
            self.rows = {}
        self.rows.update({r.communication_id: r for r in page.rows})
        self.cursor = page.cursor
        self.table.show(
            ((RecordRef("communication", r.communication_id), self._cells(r)) for r in page.rows),
            has_more=page.has_more,
            append=append,
        )
        title = Text(f"{TITLE} {count}", style="bold")
        title.append("  ·  Enter attaches to the loaded customer · l new person", style="dim")
        self.query_one("#unmatched-title", Static).update(title)
        self._show_body()

    @staticmethod
    def _cells(row: Any) -> list[Any]:
        subject = inert(row.subject).strip() or inert(row.content).strip().split("\n", 1)[0]
        return [
            f"{zones.local(row.received_at):%d %b %H:%M}",
            MEDIA_WORDS.get(row.media, row.media),
            sender_words(row),
            subject,
        ]

    def highlighted(self) -> Any | None:
        ref = self.table.current_ref
        return self.rows.get(ref.id) if ref is not None else None

    def on_record_table_highlighted(self, event: RecordTable.Highlighted) -> None:
        event.stop()
        self._show_body()

    def _show_body(self) -> None:
        row = self.highlighted()
        body = Text(no_wrap=False, overflow="fold")
        if row is not None:
            body.append(f"{sender_words(row)}: ", style="bold")
            body.append(" ".join(inert(row.content).split())[:600])
        self.query_one("#unmatched-body", Static).update(body)

    def on_record_table_more_requested(self, event: RecordTable.MoreRequested) -> None:
        event.stop()
        self.read(more=True)

    # Acting -------------------------------------------------------------------------------
    def on_record_table_view_requested(self, event: RecordTable.ViewRequested) -> None:
        event.stop()
        self.action_attach()

    def action_attach(self) -> None:
        """Attach the highlighted message to the loaded customer, after a yes/no."""
        from commcentre_tui.dialogs.confirm import ConfirmScreen

        app = self.console_app
        row = self.highlighted()
        if row is None:
            return
        if app.customer_id is None:
            self.notify(
                "Load the customer first (Esc, search), then come back to attach it.",
                title=TITLE,
                severity="warning",
            )
            return
        who = app.customer_label or "the loaded customer"
        contact_id = app.customer_id
        via = MEDIA_WORDS.get(row.media, row.media)
        question = f"Attach the {via} from {sender_words(row)} to {who}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._attach_message(row.communication_id, contact_id, who)

        app.push_screen(ConfirmScreen(question, yes="Attach", no="Cancel"), answered)

    def _attach_message(self, communication_id: int, contact_id: int, who: str) -> None:
        from commcentre_tui.services.context import ServiceContext

        app = self.console_app
        ctx = ServiceContext(app.engine, app.settings, app.actor)

        def call() -> Any:
            from commcentre_tui.services.inbound import attach_to_customer

            return attach_to_customer(ctx, communication_id, contact_id)

        def done(_: Any) -> None:
            self.notify(f"Attached to {who}; it waits in your My Work.", title=TITLE)
            app.reload_customer()
            self.read()

        fetch(
            self,
            call,
            done,
            group="unmatched-attach",
            what="attaching the message",
            busy=self.table,
        )

    def action_log_person(self) -> None:
        """Log Person Information prefilled with the sender (a new customer)."""
        from commcentre_tui.support.messages import RunAction

        row = self.highlighted()
        if row is None:
            return
        first, _, last = inert(row.sender_name).strip().partition(" ")
        extra = {
            "first_name": first,
            "last_name": last,
            "email" if row.media == "email" else "phone": inert(row.sender),
        }
        self.dismiss(None)
        self.app.post_message(RunAction("Log Person Information", extra))

    def action_back(self) -> None:
        """Back to the console."""
        self.dismiss(None)
