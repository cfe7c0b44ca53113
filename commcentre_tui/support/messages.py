"""Messages that cross screens (posted to the app, handled by the console)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class CustomerChanged(Message):
    """Something changed customer ``contact_id`` (an action saved): refresh it if it is loaded.

    Post it to the app from any screen or worker: ``app.post_message(CustomerChanged(id))``.
    """

    contact_id: int


@dataclass
class CustomerChosen(Message):
    """The agent chose a customer (Enter on a result or a communication, or a single hit)."""

    contact_id: int
    direct: bool = False
    """True when a search found exactly this one customer."""


@dataclass
class LoadCustomer(Message):
    """Load ``contact_id`` into the customer view (e.g. a CTI screen pop)."""

    contact_id: int
    focus: bool = False
    """Move the keyboard focus to the customer view (off for pops while the agent types)."""


@dataclass
class RunAction(Message):
    """Open the form of Action Panel action ``name`` for the loaded customer, with ``extra``
    prefilled (a widget asks; the app runs it, so widgets need not know the action wiring)."""

    name: str
    extra: dict[str, Any] | None = None


class NotificationKept(Message):
    """(Posted to the app from another thread) a notification to keep; see :func:`keep`."""

    def __init__(
        self, title: str, message: str, severity: str, timeout: float | None, toast: bool = True
    ) -> None:
        super().__init__()
        self.title = title
        self.message = message
        self.severity = severity
        self.timeout = timeout
        self.toast = toast
        """``False``: listed only (the caller raises one toast for several, e.g. reminders)."""
