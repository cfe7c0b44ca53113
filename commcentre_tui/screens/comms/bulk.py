"""Notify these results: send a template to every customer a search found (seed 002's bulk
notification, from the console).

The agent picks a template; a preview (a dry run in a thread worker) shows how many customers
match, how many messages would be queued and why others would be skipped (no overdue bill for an
overdue reminder, opted out, no address, not renderable), and the first rendered messages.
Ctrl+S asks for confirmation, then queues them all in one transaction
(``services.comm_bulk.notify_results``) with a progress bar — for exactly the customers the
preview counted, so what is queued is what the preview showed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, Select, Static

from commcentre_tui.comms.notify_report import NotifyReport
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.failures import failure_sentence
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

TITLE = "Notify these results"


def _describe(conditions: Sequence[Any]) -> str:
    from commcentre_tui.widgets.results import describe

    return describe(conditions)


def preview_text(report: NotifyReport) -> str:
    """The preview's count line: matched, to queue (or log), and skipped with the reasons."""
    sending = report.queued + report.logged
    parts = [
        f"{report.matched} customers found; {sending} message{'s' if sending != 1 else ''} "
        f"would be {'queued' if report.queued or not report.logged else 'logged'}"
    ]
    if report.skipped:
        parts.append("skipped: " + ", ".join(report.skipped_reasons()))
    return "; ".join(parts) + "."


def sample_text(report: NotifyReport) -> str:
    """The first rendered messages, as they would be sent, then why some would not be."""
    if not report.samples:
        lines = ["No message can be sent to these results with this template."]
    else:
        lines = []
    for i, s in enumerate(report.samples):
        word = "First message" if i == 0 else f"Message {i + 1}"
        lines += [
            f"{word} — to {s.name} ({s.customer_number}), {s.recipient}, language {s.language}"
        ]
        if s.subject:
            lines.append(f"Subject: {s.subject}")
        lines += [s.content.strip(), ""]
    for problem in report.problems[:3]:
        lines.append("Not sent: " + problem)
    return "\n".join(lines).rstrip()


class NotifyResultsScreen(ConsoleAppMixin, ModalScreen[NotifyReport | None]):
    """Dismisses with the report of what was queued, or ``None`` when cancelled."""

    DEFAULT_CSS = """
    NotifyResultsScreen { align: center middle; }
    NotifyResultsScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $panel; padding: 0 1;
    }
    NotifyResultsScreen #bulk-title { text-style: bold; padding-bottom: 1; }
    NotifyResultsScreen #bulk-template { width: 1fr; margin-bottom: 1; }
    NotifyResultsScreen #bulk-count { height: auto; }
    NotifyResultsScreen #bulk-sample-box { height: auto; max-height: 10; border: round $secondary; }
    NotifyResultsScreen #bulk-sample { height: auto; }
    NotifyResultsScreen ProgressBar { margin-top: 1; }
    NotifyResultsScreen #bulk-buttons { height: auto; margin-top: 1; }
    NotifyResultsScreen #bulk-buttons > Button { width: auto; margin-right: 2; }
    """
    BINDINGS = [
        Binding(
            "ctrl+s",
            "queue",
            "Queue",
            id="bulk_queue",
            priority=True,
            tooltip="Queue the messages (asks first)",
        ),
        Binding("escape", "cancel", "Cancel", id="bulk_cancel", tooltip="Close without sending"),
    ]

    def __init__(self, conditions: Sequence[Any], mode: str) -> None:
        super().__init__()
        self.conditions = tuple(conditions)
        self.mode = mode
        self.report: NotifyReport | None = None
        """The preview of the chosen template (``None`` while none is shown)."""
        self.busy = False
        """Queueing is under way (keys are ignored until it ends)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"{TITLE}: {_describe(self.conditions)}"), id="bulk-title")
            yield Select[str]([], prompt="Choose a template", id="bulk-template", compact=True)
            yield Static(
                "Choose a template to see how many messages it gives and the first one.",
                id="bulk-count",
            )
            with VerticalScroll(id="bulk-sample-box"):
                yield Static("", id="bulk-sample")
            yield ProgressBar(id="bulk-progress", show_eta=False)
            with Horizontal(id="bulk-buttons"):
                yield Button(
                    "Queue (Ctrl+S)",
                    id="bulk-queue",
                    variant="primary",
                    disabled=True,
                    compact=True,
                )
                yield Button("Cancel (Esc)", id="bulk-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#bulk-sample-box").display = False
        self._load_templates()

    @property
    def ctx(self) -> ServiceContext:
        app = self.console_app
        return ServiceContext(app.engine, app.settings, app.actor)

    def _say(self, text: str) -> None:
        self.query_one("#bulk-count", Static).update(Text(text))

    # Templates and the preview ---------------------------------------------------------------
    def _load_templates(self) -> None:
        from commcentre_tui.services.comm_templates import list_templates

        ctx = self.ctx

        def names() -> list[tuple[str, str]]:
            by_name: dict[str, str] = {}
            for t in list_templates(ctx):
                by_name.setdefault(t.name, f"{t.name} ({t.media})")
            return sorted(by_name.items(), key=lambda kv: kv[0].lower())

        def failed(exc: BaseException) -> bool:
            self._failed(exc)
            return True

        fetch(
            self,
            names,
            self._show_templates,
            group="bulk-templates",
            what="listing the templates",
            on_error=failed,
        )

    def _show_templates(self, items: list[tuple[str, str]]) -> None:
        select = self.query_one("#bulk-template", Select)
        if not items:
            self._say("There are no active templates; add one first.")
            return
        select.set_options([(label, name) for name, label in items])
        select.focus()

    @on(Select.Changed, "#bulk-template")
    def _template_chosen(self, event: Select.Changed) -> None:
        self.report = None
        self.query_one("#bulk-queue", Button).disabled = True
        if event.value is Select.BLANK:
            return
        self._say(f"Rendering “{event.value}” for these results …")
        self._preview(str(event.value))

    def _preview(self, template: str) -> None:
        def render() -> NotifyReport:
            from commcentre_tui.services.comm_bulk import notify_results

            return notify_results(self.ctx, template, self.conditions, mode=self.mode, dry_run=True)

        fetch(
            self,
            render,
            lambda report: self._show_preview(template, report),
            group="bulk-preview",
            what="previewing the messages",
            on_error=self._failed,
        )

    def _show_preview(self, template: str, report: NotifyReport) -> None:
        if self.query_one("#bulk-template", Select).value != template:
            return  # the agent has chosen another one meanwhile
        self.report = report
        self._say(preview_text(report))
        self.query_one("#bulk-sample", Static).update(Text(sample_text(report)))
        self.query_one("#bulk-sample-box").display = True
        sending = report.queued + report.logged
        button = self.query_one("#bulk-queue", Button)
        button.label = f"Queue {sending} message{'s' if sending != 1 else ''} (Ctrl+S)"
        button.disabled = sending == 0
        button.refresh(layout=True)  # the label's width changed

    def _failed(self, exc: BaseException) -> bool:
        """One sentence beside the preview and as a notification (handled: ``True``)."""
        text = failure_sentence(exc, "queueing the messages")
        self.busy = False
        self._say(text)
        self.notify(text, title=TITLE, severity="error", markup=False)
        return True

    # Queueing ---------------------------------------------------------------------------------
    def action_queue(self) -> None:
        report = self.report
        if self.busy:
            return
        if report is None:
            self.notify(
                "Choose a template first; the preview shows what would be sent.",
                title=TITLE,
                severity="warning",
            )
            return
        sending = report.queued + report.logged
        if sending == 0:
            self.notify(
                "Nothing to send: every customer of these results would be skipped.",
                title=TITLE,
                severity="warning",
            )
            return
        question = f"Send “{report.template}” to {sending} customer{'s' if sending != 1 else ''} of these results?"
        if report.skipped:
            question += f" {report.skipped} will be skipped: {', '.join(report.skipped_reasons())}."

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_queueing(report.template)

        self.app.push_screen(ConfirmScreen(question, yes="Queue", no="Back"), answered)

    def _start_queueing(self, template: str) -> None:
        self.busy = True
        bar = self.query_one(ProgressBar)
        bar.update(total=max(self.report.matched if self.report else 1, 1), progress=0)
        bar.display = True
        self.query_one("#bulk-queue", Button).disabled = True
        self._say(f"Queueing “{template}” …")
        bar = self.query_one(ProgressBar)
        audience = self.report.contact_ids if self.report is not None else None

        def progress(done: int, total: int) -> None:  # (in the worker's thread)
            self.app.call_from_thread(bar.update, total=max(total, 1), progress=done)

        def queue() -> NotifyReport:
            from commcentre_tui.services.comm_bulk import notify_results

            return notify_results(
                self.ctx,
                template,
                self.conditions,
                mode=self.mode,
                progress=progress,
                contact_ids=audience,
            )

        # A failure is one sentence; nothing was queued (one transaction).
        fetch(self, queue, self._done, group="bulk-queue", what="queueing", on_error=self._failed)

    def _done(self, report: NotifyReport) -> None:
        self.busy = False
        self.app.notify(report.summary(), title=TITLE, markup=False)
        self.dismiss(report)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "bulk-queue":
            self.action_queue()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)


def open_notify_results(app: CommCentreApp) -> None:
    """Open "Notify these results" for the search the results panel shows."""
    results = app.console_screen.results
    if not results.conditions:
        app.notify(
            "Search first (Quick or Advanced Search); then notify the customers it found.",
            title=TITLE,
            severity="warning",
        )
        return
    app.push_screen(NotifyResultsScreen(results.conditions, results.mode), lambda _report: None)


def notify_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """The palette's "Notify these results" while the console shows search results."""
    screen = app.console_screen
    try:
        showing = screen.view == "results" and bool(screen.results.conditions)
    except Exception:  # panels not mounted yet
        return
    if showing:
        yield SystemCommand(
            TITLE,
            "Send a template to every customer these search results found",
            lambda: open_notify_results(app),
        )
