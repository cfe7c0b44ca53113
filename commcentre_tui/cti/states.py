"""CTI state words, shown as they are in the status bar, and the small observable they live in.

``off`` (CTI disabled or closed), ``connecting`` (first attempt), ``connected`` (logged in to the
PBX, listening for HTTP events, or linked to a bridge that is itself connected),
``reconnecting`` (the link went away; retrying with backoff), ``login failed: <reason>`` (the PBX
refused the credentials; not retried) and ``failed: <reason>`` (anything else that needs an
administrator, e.g. the listener's port is taken).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

OFF = "off"
CONNECTING = "connecting"
CONNECTED = "connected"
RECONNECTING = "reconnecting"
LOGIN_FAILED = "login failed"
FAILED = "failed"

StateListener = Callable[[str], None]


def login_failed(reason: str) -> str:
    """The state word for a refused login: ``login failed: <reason>``."""
    return f"{LOGIN_FAILED}: {reason.strip().rstrip('.') or 'no reason given'}"


def failed(reason: str) -> str:
    """The state word for a problem an administrator must fix: ``failed: <reason>``."""
    return f"{FAILED}: {reason.strip().rstrip('.') or 'no reason given'}"


def is_failure(state: str) -> bool:
    """Whether ``state`` is a terminal failure (``login failed: …`` or ``failed: …``)."""
    return state.startswith((LOGIN_FAILED + ":", FAILED + ":"))


class StateMixin:
    """A ``state`` word with change listeners (called in the event loop, in order)."""

    def __init__(self, initial: str = OFF) -> None:
        self._state = initial
        self._state_listeners: list[StateListener] = []

    @property
    def state(self) -> str:
        """The current state word."""
        return self._state

    def add_state_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call ``listener(state)`` on every change; returns a function that unsubscribes."""
        self._state_listeners.append(listener)

        def remove() -> None:
            if listener in self._state_listeners:
                self._state_listeners.remove(listener)

        return remove

    def _set_state(self, state: str) -> None:
        if state == self._state:
            return
        self._state = state
        for listener in list(self._state_listeners):
            try:
                listener(state)
            except Exception:
                log.exception("A CTI state listener failed")
