"""The audit browser: supervisors read the trail, newest first, filtered by agent, entity,
action and date range, a page at a time.

Only roles that may browse the audit trail see the palette entry (:func:`audit_commands`); the
repository refuses anyone else anyway (:func:`~commcentre_tui.repo.audit_queries.browse_audit`),
and that refusal is audited and shown as its sentence. Every value is shown as inert text (what
an agent typed never becomes markup or a terminal escape). The screen only reads.

Keys: Enter in a filter applies the filters; PageDown / ``n`` the next (older) page, PageUp /
``p`` the previous one; Escape closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from commcentre_tui import zones
from commcentre_tui.repo.audit_queries import AuditCursor, AuditFilter, AuditPage, AuditRow
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert
from commcentre_tui.widgets.footer import ConsoleFooter
from commcentre_tui.widgets.record_table import KeyTable

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

#: Entries per page.
PAGE_SIZE = 50

#: Filter inputs: id → (label, placeholder).
FILTERS: dict[str, tuple[str, str]] = {
    "agent": ("Agent", "username"),
    "entity": ("Entity", "e.g. payment"),
    "action": ("Action", "e.g. update"),
    "since": ("From", "YYYY-MM-DD"),
    "until": ("To", "YYYY-MM-DD"),
}

#: The columns (label, width): the time and the entity id keep their width; the free text
#: shares the rest and is cut with "…" — the highlighted entry is whole on the detail line.
COLUMNS: list[tuple[str, int | None]] = [
    ("When", 19),
    ("Agent", None),
    ("Action", None),
    ("Entity", None),
    ("Id", 6),
    ("What changed", None),
]


def may_browse(actor: Any) -> bool:
    """Whether ``actor``'s role may browse the audit trail (the repository checks again)."""
    return bool(actor.is_supervisor and actor.may(entity="audit", level="view"))


def audit_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """The palette entry "Audit Trail", for roles that may browse it."""
    if may_browse(app.actor):
        yield SystemCommand(
            "Audit Trail",
            "Browse who did what, when (supervisors)",
            lambda: app.push_screen(AuditScreen()),
        )


def _date(text: str, name: str, label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        from commcentre_tui.errors import ValidationFailed

        raise ValidationFailed(f"{label} must be a date like 2026-06-15.", name) from None


def _local_midnight(day: date) -> datetime:
    return zones.midnight(day)


def build_filter(values: dict[str, str]) -> AuditFilter:
    """The repository filter for the typed values; dates are whole local days, both inclusive."""
    since = _date(values.get("since", ""), "since", "From")
    until = _date(values.get("until", ""), "until", "To")
    return AuditFilter(
        agent=values.get("agent", "").strip().lower() or None,
        entity=values.get("entity", "").strip().lower() or None,
        action=values.get("action", "").strip() or None,
        since=_local_midnight(since) if since else None,
        until=_local_midnight(until + timedelta(days=1)) if until else None,
    )


def _short(value: Any, width: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def changes(row: AuditRow) -> str:
    """What changed, in one line: ``field: old → new`` for updates, else the detail/values."""
    before, after = row.before or {}, row.after or {}
    if before and after:
        keys = [k for k in after if before.get(k) != after.get(k)]
        keys += [k for k in before if k not in after]
        parts = [f"{k}: {_short(before.get(k))} → {_short(after.get(k))}" for k in keys]
        said = "; ".join(parts) or "no field changed"
    elif after:
        said = "; ".join(f"{k}: {_short(v)}" for k, v in after.items())
    else:
        said = ""
    if row.detail:
        said = f"{row.detail} — {said}" if said else row.detail
    return said


def row_cells(row: AuditRow) -> tuple[Text, ...]:
    """The table cells of ``row`` (local time), every one inert plain text."""
    who = row.agent_username or "system"
    cells = (
        f"{zones.local(row.at):%Y-%m-%d %H:%M:%S}",
        who,
        row.action,
        row.entity,
        "" if row.entity_id is None else str(row.entity_id),
        _short(changes(row), 300),
    )
    return tuple(Text(inert(c), no_wrap=True, overflow="ellipsis") for c in cells)


class AuditScreen(ConsoleAppMixin, Screen[None]):
    """Filters on top, the page of entries below, the page position under it."""

    DEFAULT_CSS = """
    AuditScreen #audit-filters { height: auto; padding: 0 1; }
    AuditScreen #audit-filters > Vertical { width: 1fr; height: auto; }
    AuditScreen #audit-filters Input { width: 100%; }
    AuditScreen #audit-table { height: 1fr; }
    AuditScreen #audit-detail { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    AuditScreen #audit-status { height: 1; padding: 0 1; }
    """

    BINDINGS = [
        # PageDown/PageUp win over the table's own scrolling; n/p only when not typing.
        Binding("pagedown", "next_page", "Older", id="audit_next", priority=True),
        Binding("pageup", "previous_page", "Newer", id="audit_previous", priority=True),
        Binding("n", "next_page", "Older", show=False),
        Binding("p", "previous_page", "Newer", show=False),
        Binding("escape", "close", "Back", id="audit_close"),
    ]

    def __init__(self) -> None:
        super().__init__(id="audit")
        self.filters = AuditFilter()
        self.page: AuditPage | None = None
        self.cursors: list[AuditCursor | None] = [None]
        """Where each page shown so far started (the first is ``None``); the last is this page's."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Audit Trail — newest first", style="bold"), id="audit-title")
        with Horizontal(id="audit-filters"):
            for name, (label, placeholder) in FILTERS.items():
                with Vertical():
                    yield Label(label)
                    yield Input(placeholder=placeholder, id=f"filter-{name}", compact=True)
        yield KeyTable(COLUMNS, id="audit-table")
        yield Static("", id="audit-detail")
        yield Static("Reading the audit trail …", id="audit-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#filter-agent", Input).focus()
        self._read(None)

    @property
    def table(self) -> KeyTable:
        return self.query_one("#audit-table", KeyTable)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted entry whole (what changed included) under the table."""
        self.query_one("#audit-detail", Static).update(self.table.detail())

    def _status(self, text: str) -> None:
        self.query_one("#audit-status", Static).update(Text(inert(text)))

    def values(self) -> dict[str, str]:
        """The typed filter values by name."""
        return {name: self.query_one(f"#filter-{name}", Input).value for name in FILTERS}

    # Reading ------------------------------------------------------------------------------
    def _read(self, cursor: AuditCursor | None) -> None:
        app = self.console_app
        engine, actor, filters = app.engine, app.actor, self.filters

        def call() -> AuditPage:
            from commcentre_tui.repo.audit_queries import browse_audit

            return browse_audit(engine, actor, filters, limit=PAGE_SIZE, cursor=cursor)

        fetch(
            self,
            call,
            self.show_page,
            group="audit",
            what="reading the audit trail",
            busy=self.table,
            on_error=self._failed,
        )

    def _failed(self, exc: BaseException) -> bool:
        from commcentre_tui.errors import CommCentreError, NotAllowed

        if isinstance(exc, NotAllowed):
            self.app.notify(str(exc), title="Audit Trail", severity="error")
            self.dismiss(None)
            return True
        if isinstance(exc, CommCentreError):
            self._status(str(exc))
            return True
        return False

    def show_page(self, page: AuditPage) -> None:
        """Show ``page`` (UI loop)."""
        self.page = page
        table = self.table
        table.clear()
        for row in page.rows:
            table.add_row(*row_cells(row), key=str(row.id))
        table.measure_now()
        self._show_detail()
        number = len(self.cursors)
        if not page.rows:
            self._status("No audit entries match these filters.")
            return
        more = "PageDown: older" if page.next_cursor else "the oldest page"
        back = " · PageUp: newer" if number > 1 else ""
        self._status(f"Page {number} · {len(page.rows)} entries · {more}{back}")

    # Actions ------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.filters = build_filter(self.values())
        except Exception as exc:  # ValidationFailed: say it, keep the current page
            self._status(str(exc))
            return
        self.cursors = [None]
        self._read(None)
        self.table.focus()

    def action_next_page(self) -> None:
        """The next (older) page."""
        if self.page is None or self.page.next_cursor is None:
            self._status("This is the oldest page.")
            return
        self.cursors.append(self.page.next_cursor)
        self._read(self.page.next_cursor)

    def action_previous_page(self) -> None:
        """The previous (newer) page."""
        if len(self.cursors) <= 1:
            self._status("This is the newest page.")
            return
        self.cursors.pop()
        self._read(self.cursors[-1])

    def action_close(self) -> None:
        self.dismiss(None)
