"""The five tabs of the customer view, each a widget that loads its own data in a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.containers import Vertical

from commcentre_tui.widgets.record_table import RecordTable


class CustomerTab(Vertical):
    """Base of a tab: knows the loaded contact and whether its data is out of date."""

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
        return self.app.gateway  # type: ignore[attr-defined]

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
