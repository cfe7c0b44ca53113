"""The console app's customer context and extension points (a mixin of :class:`CommCentreApp`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:
    from commcentre_tui.screens.console import ConsoleScreen
    from commcentre_tui.widgets.cti_status import CtiStatus
    from commcentre_tui.widgets.presence import PresenceKeeper

    _AppBase = App[None]
else:
    _AppBase = object


class CustomerContext(_AppBase):
    """The loaded customer, what forms may pre-fill, and the hooks controllers call."""

    @property
    def customer_label(self) -> str | None:
        """ "Name (customer number)" of the loaded customer, for the Action Panel's title."""
        summary = self._summary()
        return f"{summary.display_name} ({summary.customer_number})" if summary else None

    def _summary(self) -> Any:
        if self.customer_id is None:
            return None
        return self.console_screen.customer_view.header.summary

    def action_context(self) -> dict[str, Any]:
        """What forms may pre-fill: the customer number and the highlighted record's id."""
        context: dict[str, Any] = {}
        summary = self._summary()
        if summary is not None:
            context["customer_number"] = summary.customer_number
        from commcentre_tui.widgets.record_table import RecordTable

        table = self.console_screen.focused
        if isinstance(table, RecordTable) and (ref := table.current_ref) is not None:
            context[f"{ref.entity}_id"] = ref.id
        return context

    # Extension points ---------------------------------------------------------------------
    @property
    def console_screen(self) -> ConsoleScreen:
        """The console screen (always at the bottom of the screen stack)."""
        from commcentre_tui.screens.console import ConsoleScreen

        screen = self.screen_stack[0]
        assert isinstance(screen, ConsoleScreen)
        return screen

    def presence_keeper(self) -> PresenceKeeper | None:
        """The console's presence session widget, if it is mounted."""
        from commcentre_tui.widgets.presence import keeper_of

        return keeper_of(self)

    def cti_status_views(self) -> list[CtiStatus]:
        """The CTI status views on every open screen."""
        from commcentre_tui.widgets.cti_status import CtiStatus

        return [view for screen in self.screen_stack for view in screen.query(CtiStatus)]

    @property
    def customer_id(self) -> int | None:
        """The loaded customer's contact id, or ``None``."""
        return self.console_screen.loaded_customer

    def load_customer(self, contact_id: int, *, focus: bool = False) -> None:
        """Load ``contact_id`` into the customer view (UI loop only)."""
        self.console_screen.load_customer(contact_id, focus=focus)

    def reload_customer(self) -> None:
        """Read the loaded customer again (header and visible tab; other tabs when shown)."""
        if self.customer_id is not None:
            self.console_screen.customer_view.reload()

    def push_for_customer(
        self, screen: Screen[Any], callback: Callable[[Any], None] | None = None
    ) -> None:
        """Push ``screen``; when it is dismissed with a truthy result, reload the customer."""

        def done(result: Any) -> None:
            if result:
                self.reload_customer()
            if callback is not None:
                callback(result)

        self.push_screen(screen, done)
