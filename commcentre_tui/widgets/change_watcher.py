"""Live customer view: the customer on screen refreshes itself when someone else changes them.

Every audited change raises the customer's change counter in the same transaction
(:mod:`commcentre_tui.repo.changes`). The invisible :class:`ChangeWatcher` reads the counter of
the customer on screen every :data:`POLL_SECONDS` (one primary-key read, in a thread worker) and,
when another agent moved it, reloads the view — in place: the tab, the focus and the highlighted
rows stay where the agent left them. While a form or dialog is open over the console the view is
not touched: the form shows a line saying the customer changed, and the view refreshes when the
form closes. The agent's own changes are skipped (their forms reload the view already).

Polling rather than PostgreSQL's LISTEN/NOTIFY: one code path for both databases, one cheap read
per second per console, and nothing to reconnect when the database restarts. The view's own
reads note the counter first (``Gateway.shown_versions``), so a change committed while the view
was loading is still seen as new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from commcentre_tui.support.console_app import ConsoleAppMixin

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

log = logging.getLogger("commcentre.console")

#: How often the customer on screen is checked (the goal: refreshed within 2 s).
POLL_SECONDS = 1.0
CHANGED_UNDER_FORM = (
    "Another agent changed this customer since this form opened; what you "
    "see behind it refreshes when you close it."
)


class ChangeWatcher(ConsoleAppMixin, Widget):
    """Polls the loaded customer's change counter and refreshes the view (never displayed)."""

    DEFAULT_CSS = "ChangeWatcher { display: none; }"

    @dataclass
    class Read(Message):
        """A counter read, for the UI loop."""

        contact_id: int
        version: int
        agent_id: int | None
        arrived: tuple[Any, ...] = ()
        """Incoming emails/SMS received for the customer since the last read."""

    def __init__(self) -> None:
        super().__init__(id="change-watcher")
        self.stale = False
        """The customer changed while a form was open: refresh when it closes."""
        self._newest_incoming: dict[int, int] = {}
        """Per customer watched: the newest incoming email/SMS id already known."""

    def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self.poll)
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def poll(self) -> None:
        """Read the counter of the customer on screen (UI loop; the read runs in a thread)."""
        app = self.console_app
        contact_id = app.customer_id
        if contact_id is None:
            return
        self.run_worker(
            lambda: self._read(contact_id),
            thread=True,
            group="change-watch",
            exclusive=True,
            exit_on_error=False,
        )

    def _read(self, contact_id: int) -> None:
        from commcentre_tui.repo import incoming_watch
        from commcentre_tui.repo.changes import version_of

        app = self.console_app
        try:
            version, agent_id = version_of(app.engine, contact_id)
            arrived: list[Any] = []
            known = self._newest_incoming.get(contact_id)
            if known is None:
                self._newest_incoming[contact_id] = incoming_watch.newest_incoming_id(
                    app.engine, contact_id
                )
            elif agent_id is None and version > app.gateway.shown_versions.get(contact_id, version):
                arrived = incoming_watch.incoming_after(app.engine, contact_id, known)
                if arrived:
                    self._newest_incoming[contact_id] = arrived[-1].communication_id
        except Exception:  # noqa: BLE001 - advisory: the next poll tries again
            log.warning("could not read the customer's change counter", exc_info=True)
            return
        self.post_message(self.Read(contact_id, version, agent_id, tuple(arrived)))

    def on_change_watcher_read(self, message: ChangeWatcher.Read) -> None:
        app = self.console_app
        contact_id = message.contact_id
        shown = app.gateway.shown_versions.get(contact_id)
        if contact_id != app.customer_id or shown is None or message.version <= shown:
            return  # another customer by now, not loaded yet, or nothing new
        app.gateway.shown_versions[contact_id] = message.version  # (refresh once per change)
        if message.agent_id is not None and message.agent_id == app.actor.agent_id:
            return  # this agent's own change: the form that made it reloaded the view
        tell_arrived(app, message.arrived)
        if app.screen is app.console_screen:
            app.reload_customer()
        else:
            self.stale = True
            show_changed_line(app.screen)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        app = self.console_app
        if self.stale and screen is app.console_screen:
            self.stale = False
            app.reload_customer()


def tell_arrived(app: CommCentreApp, arrived: tuple[Any, ...]) -> None:
    """A kept notification for each email/SMS that just arrived for the customer on screen
    (listed until acknowledged: the customer may be waiting for an answer)."""
    from commcentre_tui.support.messages import NotificationKept
    from commcentre_tui.text import inert

    for item in arrived:
        via = "Email" if item.media == "email" else "SMS"
        said = f": {inert(item.subject)}" if item.subject.strip() else ""
        app.post_message(
            NotificationKept(
                f"{via} received", f"From {inert(item.sender)}{said}", "information", None
            )
        )


def show_changed_line(screen: Screen[Any]) -> None:
    """Say on an open form that the customer changed under it (once)."""
    from commcentre_tui.widgets.presence import EditWarning

    if screen.query("#customer-changed"):
        return
    screen.mount(EditWarning(Text(CHANGED_UNDER_FORM), id="customer-changed"))


def attach_change_watcher(app: CommCentreApp) -> None:
    """Start watching once the console's panels are mounted."""
    screen = app.console_screen
    screen.when_ready(lambda: screen.mount(ChangeWatcher()))
