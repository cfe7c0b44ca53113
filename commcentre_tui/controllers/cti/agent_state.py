"""The agent's live state for the supervisors' Wallboard, written from this console.

:class:`StatePublisher` derives the state from the CTI controller's current call (ringing, on a
call, wrap-up until the after-call work closes) and the agent's own "Set away" / "Set available",
and writes it (:func:`commcentre_tui.repo.agent_state.set_state`) in a thread worker whenever it
changes. Writes are serialised and always write the newest state, so a burst of call events
ends with the right one. Until the presence session exists (its first beat) a write finds no row;
a timer retries it every :data:`RETRY_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.agent_state import AVAILABLE, AWAY, ON_CALL, RINGING, WRAP_UP

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

log = logging.getLogger(__name__)

#: Seconds between checks that the newest state was written (and retries when it was not).
RETRY_SECONDS = 2.0

#: (state, since, detail, until)
Wanted = tuple[str, datetime, str, datetime | None]


def publisher_of(app: CommCentreApp) -> StatePublisher:
    """The app's publisher, started on first use."""
    publisher: StatePublisher | None = getattr(app, "_state_publisher", None)
    if publisher is None:
        publisher = StatePublisher(app)
        app._state_publisher = publisher
        app.set_interval(RETRY_SECONDS, publisher.publish)
    return publisher


def publish(app: CommCentreApp) -> None:
    """Write the agent's state if it changed (UI loop)."""
    if getattr(app.actor, "agent_id", None) is not None:
        publisher_of(app).publish()


class StatePublisher:
    """See the module docstring."""

    def __init__(self, app: CommCentreApp) -> None:
        self.app = app
        self.away = False
        """The agent said "Set away" (calls still show: a ringing phone wins)."""
        self._word = ""
        self._since = utcnow()
        self._wanted: Wanted | None = None
        self._written: Wanted | None = None
        self._lock = threading.Lock()

    def set_away(self, away: bool) -> None:
        self.away = away
        self.publish()

    def wanted(self) -> Wanted:
        """The state to show now."""
        from commcentre_tui.controllers.cti.controller import controller_of

        controller = controller_of(self.app)
        record = controller.current if controller is not None else None
        if record is not None and not record.completed:
            if record.ended_at is None:
                if record.answered_at is not None:
                    return ON_CALL, record.answered_at, record.who, None
                return RINGING, record.rang_at, record.who, None
            if record.answered_at is not None:
                seconds = self.app.settings.cti.wrap_up_seconds
                until = record.ended_at + timedelta(seconds=seconds) if seconds > 0 else None
                return WRAP_UP, record.ended_at, record.who, until
        word = AWAY if self.away else AVAILABLE
        if word != self._word:
            self._word, self._since = word, utcnow()
        return word, self._since, "", None

    def publish(self) -> None:
        """Write the wanted state in a thread worker unless it is already written."""
        wanted = self.wanted()
        if wanted[0] not in (AWAY, AVAILABLE):
            self._word = ""  # back from a call: "available since" restarts
        self._wanted = wanted
        if wanted != self._written:
            self.app.run_worker(self._write, thread=True, group="agent-state", exit_on_error=False)

    def _write(self) -> None:
        from commcentre_tui.repo.agent_state import set_state

        with self._lock:
            wanted = self._wanted
            if wanted is None or wanted == self._written:
                return
            state, since, detail, until = wanted
            agent_id = self.app.actor.agent_id
            if agent_id is None:  # not an agent (a system actor): no state to publish
                return
            try:
                if set_state(
                    self.app.engine,
                    agent_id,
                    state,
                    since=since,
                    detail=detail,
                    until=until,
                ):
                    self._written = wanted
            except Exception:  # noqa: BLE001 - advisory: the next check tries again
                log.warning("could not write the agent's state", exc_info=True)


class QueueWriter:
    """Writes what the PBX says about its queues, in arrival order, in thread workers."""

    def __init__(self, app: CommCentreApp) -> None:
        self.app = app
        self._pending: list[Any] = []
        self._lock = threading.Lock()

    def __call__(self, update: Any) -> None:
        """The source's ``on_queue`` (UI loop)."""
        self._pending.append(update)
        self.app.run_worker(self._drain, thread=True, group="queue-state", exit_on_error=False)

    def _drain(self) -> None:
        from commcentre_tui.repo import agent_state

        engine = self.app.engine
        with self._lock:
            while self._pending:
                update = self._pending.pop(0)
                try:
                    if update.kind == "join":
                        agent_state.queue_join(
                            engine, update.queue, update.uniqueid, update.caller, update.at
                        )
                    elif update.kind == "abandon":
                        agent_state.queue_abandon(
                            engine, update.queue, update.uniqueid, update.longest, update.at
                        )
                    elif update.kind == "leave":
                        agent_state.queue_leave(engine, update.queue, update.uniqueid)
                    else:
                        agent_state.queue_summary(
                            engine, update.queue, update.waiting, update.longest, update.at
                        )
                except Exception:  # noqa: BLE001 - advisory: the wallboard shows the last known
                    log.warning("could not write the queue's state", exc_info=True)
