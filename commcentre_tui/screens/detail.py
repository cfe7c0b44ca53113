"""View: a read-only screen with every field of one record and its child lists."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from commcentre_tui.keys import bind
from commcentre_tui.repo.customer_detail import RecordDetail, RecordRef
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.format import cell, plain
from commcentre_tui.support.loading import fetch
from commcentre_tui.widgets.footer import ConsoleFooter
from commcentre_tui.widgets.record_table import KeyTable, Section


class DetailScreen(ConsoleAppMixin, Screen[None]):
    """Shows one record read-only; Escape goes back."""

    DEFAULT_CSS = """
    DetailScreen #detail-title { height: auto; padding: 0 1; text-style: bold;
                                 background: $boost; border-left: thick $accent; }
    DetailScreen #detail-body { height: 1fr; padding: 0 1; }
    DetailScreen #detail-fields { height: auto; margin-bottom: 1; }
    DetailScreen KeyTable { height: auto; max-height: 12; }
    """

    BINDINGS = [bind("back", "back")]

    def __init__(self, ref: RecordRef) -> None:
        super().__init__(classes="detail")
        self.ref = ref
        self.detail: RecordDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="☰")
        yield Static(Text(f"Reading {self.ref.entity.replace('_', ' ')} …"), id="detail-title")
        yield VerticalScroll(Static("", id="detail-fields"), id="detail-body")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        gateway = self.console_app.gateway
        ref = self.ref
        fetch(
            self,
            lambda: gateway.detail(ref),
            self.show,
            group="detail",
            what="opening the record",
            busy=self.query_one("#detail-body"),
        )

    def show(self, detail: RecordDetail) -> None:
        """Fill the screen from ``detail``."""
        self.detail = detail
        self.query_one("#detail-title", Static).update(Text(f"{plain(detail.title)}  (read-only)"))
        width = max((len(label) for label, _ in detail.fields), default=10)
        text = Text()
        for i, (label, value) in enumerate(detail.fields):
            if i:
                text.append("\n")
            text.append(f"{label:<{width}}  ", style="bold")
            text.append(plain(value))
        self.query_one("#detail-fields", Static).update(text)
        body = self.query_one("#detail-body", VerticalScroll)
        for section in detail.sections:
            table = KeyTable(zebra_stripes=True)
            table.add_columns(*section.columns)
            for row in section.rows:
                table.add_row(*(cell(v, width=40) for v in row))
            if not section.rows:
                table.add_row(Text("None.", style="italic"), *([""] * (len(section.columns) - 1)))
            body.mount(Section(f"{section.title} ({len(section.rows)})", table))

    def action_back(self) -> None:
        """Close the record."""
        self.dismiss(None)
