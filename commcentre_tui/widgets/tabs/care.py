"""Customer Care: service requests, activities, leads, jobs, cases, tasks and communications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select

from commcentre_tui.repo.customer_detail import RecordRef
from commcentre_tui.repo.customer_rows import CareItemRow
from commcentre_tui.repo.customer_tabs import CommunicationRow, Page
from commcentre_tui.support.format import day, short_kind, status
from commcentre_tui.support.loading import fetch
from commcentre_tui.widgets.record_table import RecordTable, Section
from commcentre_tui.widgets.tabs import CustomerTab

TYPES: list[tuple[str, str]] = [
    ("All care records", "all"),
    ("Service requests", "service_request"),
    ("Activities", "activity"),
    ("Leads", "lead"),
    ("Jobs", "job"),
    ("Cases", "case"),
    ("Tasks", "task"),
    ("Communications", "communication"),
]
STATUSES: list[tuple[str, str]] = [("Any status", "all"), ("Open", "open"), ("Closed", "closed")]


class CareTab(CustomerTab):
    """Filter by type, status and date (since); Enter or ``v`` views the full record, ``s``
    changes the highlighted record's status (close or reopen a case, complete a job…)."""

    BINDINGS = [
        Binding(
            "s",
            "change_status",
            "Status",
            id="change_status",
            tooltip="Change the highlighted record's status: close or reopen a case, "
            "complete a job, activity or task, move a service request or lead on.",
        ),
    ]

    DEFAULT_CSS = """
    CareTab #care-section { height: 1fr; }
    CareTab #care-table, CareTab #comms-table { height: 1fr; }
    CareTab #comms-table { display: none; }
    CareTab.-comms #care-table { display: none; }
    CareTab.-comms #comms-table { display: block; }
    CareTab #care-status { width: 14; }
    CareTab #care-since { width: 16; }
    CareTab #care-since-error { width: 1fr; padding-left: 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._page: Page[Any] | None = None
        self._statuses: dict[tuple[str, int], str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Select(TYPES, value="all", allow_blank=False, compact=True, id="care-type")
            yield Select(STATUSES, value="all", allow_blank=False, compact=True, id="care-status")
            yield Label("since")
            yield Input(
                placeholder="YYYY-MM-DD",
                compact=True,
                id="care-since",
                tooltip="Only records created on or after this date; Enter applies.",
            )
            yield Label("", id="care-since-error")
        yield Section(
            "Customer care",
            RecordTable(
                [
                    ("Kind", 12),
                    ("Number", 9),
                    ("Type", None),
                    ("Status", 11),
                    ("Summary", None),
                    ("Created", 10),
                ],
                empty="No care records match.",
                id="care-table",
            ),
            RecordTable(
                [
                    ("Date", 16),
                    ("Dir.", 4),
                    ("Media", 6),
                    ("Category", None),
                    ("Subject", None),
                    ("State", 10),
                ],
                empty="No communications match.",
                id="comms-table",
            ),
            id="care-section",
        )

    @property
    def entity(self) -> str:
        return str(self.query_one("#care-type", Select).value)

    @property
    def status_filter(self) -> str:
        return str(self.query_one("#care-status", Select).value)

    def _since(self) -> tuple[bool, date | None]:
        raw = self.query_one("#care-since", Input).value.strip()
        error = self.query_one("#care-since-error", Label)
        if not raw:
            error.update("")
            return True, None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            error.update("✗ Type a date as YYYY-MM-DD, e.g. 2026-01-31.")
            return False, None
        error.update("")
        return True, value

    def reload(self, *, before: Any = None) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        ok, since = self._since()
        if not ok:
            return
        entity, state = self.entity, self.status_filter
        comms = entity == "communication"
        self.set_class(comms, "-comms")
        self.query_one("#care-status", Select).disabled = comms
        label = dict((v, k) for k, v in TYPES)[entity]
        if not comms and state != "all":
            label = f"{label}, {state}"
        self.query_one("#care-section", Section).set_title(
            label + (f", since {since:%Y-%m-%d}" if since else "")
        )
        table = self.query_one("#comms-table" if comms else "#care-table", RecordTable)
        apply: Callable[..., None]
        if comms:

            def call() -> Any:
                return self.gateway.communications(contact_id, since=since, before=before)

            apply = self._show_comms
        else:

            def call() -> Any:
                return self.gateway.care(
                    contact_id, entity=entity, status=state, since=since, before=before
                )

            apply = self._show_care
        fetch(
            self,
            call,
            lambda page: apply(page, append=before is not None),
            group="tab-care",
            what="loading the customer care records",
            busy=table,
        )

    def _show_care(self, page: Page[CareItemRow], *, append: bool) -> None:
        self._page = page
        if not append:
            self._statuses = {}
        self._statuses.update({(r.entity, r.id): r.status for r in page.rows})
        self.refresh_bindings()  # "s Status" appears once there is a record
        self.query_one("#care-table", RecordTable).show(
            (
                (
                    RecordRef(r.entity, r.id),
                    (
                        short_kind(r.entity),
                        r.number,
                        r.type,
                        status(r.status),
                        r.summary,
                        day(r.created_at),
                    ),
                )
                for r in page.rows
            ),
            has_more=page.has_more,
            append=append,
        )
        self.shown_for = self.contact_id

    def _show_comms(self, page: Page[CommunicationRow], *, append: bool) -> None:
        self._page = page
        self.query_one("#comms-table", RecordTable).show(
            (
                (
                    RecordRef("communication", c.id),
                    (
                        c.created_at,
                        c.direction[:3],
                        c.media,
                        c.category,
                        c.subject,
                        status(c.delivery or c.state),
                    ),
                )
                for c in page.rows
            ),
            has_more=page.has_more,
            append=append,
        )
        self.shown_for = self.contact_id

    @on(Select.Changed, "#care-type, #care-status")
    def _filter_changed(self, event: Select.Changed) -> None:
        self.reload()

    @on(Input.Submitted, "#care-since")
    def _since_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()

    @on(RecordTable.MoreRequested)
    def _more(self, event: RecordTable.MoreRequested) -> None:
        event.stop()
        if self._page is not None and self._page.cursor:
            self.reload(before=self._page.cursor)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "change_status":
            return self.entity != "communication" and bool(self._statuses)
        return True

    def action_change_status(self) -> None:
        """Open the status form for the highlighted record, pre-filled with it."""
        from commcentre_tui.actions.offer import status_action_for
        from commcentre_tui.support.messages import RunAction

        ref = self.query_one("#care-table", RecordTable).current_ref
        if ref is None or self.entity == "communication":
            return
        name = status_action_for(ref.entity, self._statuses.get((ref.entity, ref.id)))
        if name is not None:
            self.post_message(RunAction(name, {f"{ref.entity}_id": ref.id}))

    def detail_tables(self) -> list[RecordTable]:
        table = self.first_table()
        return [table] if table is not None else []

    def first_table(self) -> RecordTable | None:
        return self.query_one(
            "#comms-table" if self.entity == "communication" else "#care-table", RecordTable
        )
