"""The five tabs of the customer view, each a widget that loads its own data in a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events
from textual.containers import Vertical
from textual.widgets import Static

from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.widgets.record_table import RecordTable


class RecordDetail(Static):
    """The detail line under a tab's tables: the highlighted record's whole values (free text
    a column cuts with "…" included), two lines high whatever it says."""

    DEFAULT_CSS = """
    RecordDetail { dock: bottom; height: 2; background: $panel; padding: 0 1; }
    """


class CustomerTab(ConsoleAppMixin, Vertical):
    """Base of a tab: knows the loaded contact and whether its data is out of date; shows the
    highlighted record of the table the cursor is (or was last) in on its detail line."""

    DEFAULT_CSS = """
    CustomerTab { height: 1fr; }
    CustomerTab .filters { height: 1; margin-bottom: 1; }
    CustomerTab .filters > Label { width: auto; padding: 0 1 0 0; }
    CustomerTab .filters > Select { width: 24; margin-right: 1; }
    CustomerTab .filters > Input { width: 18; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.contact_id: int | None = None
        self.stale = True
        self._shown_for: int | None = None
        self.on_shown: Callable[[CustomerTab], Any] | None = None
        """Called when the tab has shown a contact's data (the customer view listens)."""
        self._detail_from: RecordTable | None = None

    def on_mount(self) -> None:
        self.mount(RecordDetail(classes="record-detail"))

    @property
    def shown_for(self) -> int | None:
        """The contact whose data is on screen (``None`` while loading)."""
        return self._shown_for

    @shown_for.setter
    def shown_for(self, contact_id: int | None) -> None:
        self._shown_for = contact_id
        if contact_id is not None and self.on_shown is not None:
            self.on_shown(self)

    @property
    def gateway(self) -> Any:
        return self.console_app.gateway

    def load(self, contact_id: int) -> None:
        """Read this tab's data for ``contact_id`` (in a worker) and show it."""
        self.contact_id = contact_id
        self.stale = False
        self.shown_for = None
        self.reload()

    def reload(self) -> None:
        """Read the data again for the current contact."""
        raise NotImplementedError

    def first_table(self) -> RecordTable | None:
        """The table that takes the focus when the tab is shown."""
        tables = list(self.query(RecordTable).results(RecordTable))
        return tables[0] if tables else None

    def detail_tables(self) -> list[RecordTable]:
        """The tables shown now (the detail line follows one of them)."""
        return list(self.query(RecordTable).results(RecordTable))

    def detail_table(self) -> RecordTable | None:
        """The table whose highlighted record the detail line shows: the one the cursor is in,
        else the one it was last in, else the first."""
        shown = self.detail_tables()
        focused = self.screen.focused if self.is_attached else None
        if isinstance(focused, RecordTable) and focused in shown:
            self._detail_from = focused
        if self._detail_from in shown:
            return self._detail_from
        return self.first_table()

    def show_detail(self) -> None:
        """Show the highlighted record's whole values on the detail line."""
        table = self.detail_table()
        text = table.detail() if table is not None else Text()
        for line in self.query_children(RecordDetail).results(RecordDetail):
            line.update(text, layout=False)

    def on_record_table_highlighted(self, event: RecordTable.Highlighted) -> None:
        event.stop()
        if event.table is self.detail_table():
            self.show_detail()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, RecordTable):
            self.show_detail()
