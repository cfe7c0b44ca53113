"""Reports (supervisors; palette "Reports"): the `commcentre report` figures in the console.

Choose the report, the first and last day and the grouping with the keys (Tab between them; a
list opens with Enter, a date is typed and taken with Enter); the report is read again in a
thread worker after each change. The chart sits above the table: bars per row, or a sparkline
over the hours, days or weeks, with the figures beside or under it; the table has every number.
A bad date is one sentence beside the fields, and the last report stays. Definitions:
``docs/reports.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Label, Select, Sparkline, Static

from commcentre_tui.keys import bind
from commcentre_tui.screens.wallboard import may_open
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert
from commcentre_tui.widgets import report_chart
from commcentre_tui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

TITLE = "Reports"
#: (label, value) of each report, in the CLI's order.
KIND_CHOICES = [
    ("Calls", "calls"),
    ("Agents", "agents"),
    ("Dispositions", "dispositions"),
    ("Communications", "communications"),
    ("Outbox", "outbox"),
    ("Care", "care"),
    ("First-contact resolution", "fcr"),
]
BY_CHOICES = [(b.capitalize(), b) for b in ("hour", "day", "week", "agent", "unit")]
TIMES = ("hour", "day", "week")
#: Bars the chart shows at most (the table has every row).
BAR_ROWS = 6


def refusal(actor: Any) -> str:
    return f"Reports are for supervisors; your role ({actor.role_name}) is not a supervisor role."


def reports_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """The palette entry "Reports" (supervisors only)."""
    if may_open(app.actor):
        yield SystemCommand(
            TITLE,
            "Calls, agents, communications, outbox, care and first-contact resolution",
            lambda: open_reports(app),
        )


def open_reports(app: CommCentreApp) -> None:
    """Show Reports (supervisors; anyone else is told why not)."""
    if not may_open(app.actor):
        app.notify(refusal(app.actor), title=TITLE, severity="warning")
        return
    if not isinstance(app.screen, ReportsScreen):
        app.push_screen(ReportsScreen(app.gateway.today()))


class ReportsScreen(ConsoleAppMixin, Screen[None]):
    """See the module docstring."""

    DEFAULT_CSS = """
    ReportsScreen #report-controls { height: 1; }
    ReportsScreen #report-controls Label { padding: 0 1; }
    ReportsScreen #report-kind { width: 28; }
    ReportsScreen #report-by { width: 14; }
    ReportsScreen #report-from, ReportsScreen #report-to { width: 12; }
    ReportsScreen #report-error { height: auto; color: $error; }
    ReportsScreen #report-chart { height: auto; max-height: 9; padding: 0 1; }
    ReportsScreen #report-spark { height: 2; margin: 0 1; }
    ReportsScreen #report-table { height: 1fr; }
    """

    BINDINGS = [bind("back", "back")]

    def __init__(self, today: date) -> None:
        super().__init__(id="reports")
        self.first, self.last = today.replace(day=1), today
        self.kind, self.by = "calls", "day"
        self.result: Any = None
        """The last report shown (``None`` before the first)."""

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="☰")
        with Horizontal(id="report-controls"):
            yield Select(
                KIND_CHOICES, value=self.kind, allow_blank=False, id="report-kind", compact=True
            )
            yield Label("from")
            yield Input(str(self.first), id="report-from", compact=True)
            yield Label("to")
            yield Input(str(self.last), id="report-to", compact=True)
            yield Label("by")
            yield Select(BY_CHOICES, value=self.by, prompt="—", id="report-by", compact=True)
        yield Static("", id="report-error")
        with Vertical(id="report-chart-box"):
            yield Static(Text("Reading …"), id="report-chart")
            yield Sparkline([], summary_function=max, id="report-spark")
        yield DataTable(id="report-table", zebra_stripes=True, cursor_type="row")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        app = self.console_app
        if not may_open(app.actor):  # reached some other way: say why, and leave
            app.notify(refusal(app.actor), title=TITLE, severity="warning")
            self.call_after_refresh(self.dismiss, None)
            return
        self.query_one("#report-kind", Select).focus()
        self.read()

    # Choosing -----------------------------------------------------------------------------
    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        value = event.value
        if event.select.id == "report-kind" and isinstance(value, str):
            self.kind = value
        elif event.select.id == "report-by":
            self.by = value if isinstance(value, str) else ""
        self.read()

    @on(Input.Submitted)
    def _dated(self, event: Input.Submitted) -> None:
        self.read()

    def _dates(self) -> tuple[date, date] | str:
        days = []
        for name, field in (("From", "#report-from"), ("To", "#report-to")):
            text = self.query_one(field, Input).value.strip()
            try:
                days.append(date.fromisoformat(text))
            except ValueError:
                return f"{name} must be a date like 2026-06-15, not {inert(text)[:30]!r}."
        return days[0], days[1]

    # Reading ------------------------------------------------------------------------------
    def read(self) -> None:
        """Read the chosen report in a thread worker (a bad date is said, nothing read)."""
        dates = self._dates()
        error = self.query_one("#report-error", Static)
        if isinstance(dates, str):
            error.update(Text(dates))
            return
        first, last = dates
        if last < first:
            error.update(Text("To must not be before From."))
            return
        if (last - first) >= timedelta(days=366):
            error.update(Text("A report covers at most 366 days; choose a shorter range."))
            return
        error.update("")
        app = self.console_app
        engine, kind, by = app.engine, self.kind, self.by or None
        days = app.settings.communications.first_contact_days

        def call() -> Any:
            from commcentre_tui.repo.reports import report

            return report(engine, kind, first, last, by, fcr_days=days)

        fetch(self, call, self.show, group="reports", what="the report")

    def show(self, result: Any) -> None:
        """Draw the chart and fill the table from ``result`` (UI loop)."""
        from commcentre_tui.repo.reports import CHARTED

        self.result = result
        charted = CHARTED[result.kind]
        points = report_chart.series(result.columns, result.rows, result.keys, charted)
        spark = self.query_one("#report-spark", Sparkline)
        chart = self.query_one("#report-chart", Static)
        timed = bool(result.keys) and result.columns[0] in TIMES
        if timed and len(points) > 1:  # a shape over time: a sparkline, the figures under it
            spark.display = True
            spark.data = [float(v) for _, v in points]
            chart.update(Text(report_chart.caption(points, charted)))
        else:
            spark.display = False
            chart.update(report_chart.bars(points, BAR_ROWS))
        table = self.query_one("#report-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*result.columns)
        for row in result.rows:
            table.add_row(*(Text(inert("—" if v is None else v)) for v in row))

    def action_back(self) -> None:
        self.dismiss(None)

    # What a test or a user reads ----------------------------------------------------------
    def chart_text(self) -> str:
        return str(self.query_one("#report-chart", Static).render())

    def table_rows(self) -> list[tuple[str, ...]]:
        table = self.query_one("#report-table", DataTable)
        return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
