"""What the console remembers about one call of this session (no Textual here)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commcentre_tui.repo.cti_lookup import CallerMatch


def duration_words(seconds: int | None) -> str:
    """``0:42``, ``12:05`` or ``1:02:03``; empty when unknown."""
    if seconds is None:
        return ""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(eq=False)
class CallRecord:
    """One call on the agent's extension, from ringing to the wrap-up.

    ``customer_before`` is the customer loaded in the console when the call rang: a customer
    the agent loads (or logs) during the call is adopted as the caller when the lookup found
    nobody, a different one is not.
    """

    call_id: str
    direction: str
    number: str
    rang_at: datetime
    case_number: str | None = None
    email: str | None = None
    customer_before: int | None = None
    phone: str | None = None
    """The number in E.164 when it could be read (before the lookup says so too)."""
    match: CallerMatch | None = None
    contact_id: int | None = None
    contact_name: str = ""
    customer_number: str = ""
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    communication_id: int | None = None
    version: int | None = None
    duration: int | None = None
    completed: bool = False
    presented: bool = False
    """The console popped it (or looked it up): a call that ends before that is counted,
    not shown one by one."""
    wrap_started: float | None = None
    """``time.monotonic()`` at hang-up: the after-call work timer counts from here."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    """Serialises this call's database steps (draft, hang-up, completion)."""

    @property
    def shown_number(self) -> str:
        """The number in E.164 when the lookup could read it, else as the PBX gave it."""
        phone = self.match.phone if self.match is not None else None
        return phone or self.phone or self.number or "a withheld number"

    @property
    def dial_number(self) -> str:
        """The number to pre-fill (Log Person Information) or call back."""
        phone = self.match.phone if self.match is not None else None
        return phone or self.phone or self.number

    @property
    def who(self) -> str:
        """The customer's name, else the number."""
        return self.contact_name or self.shown_number

    @property
    def state(self) -> str:
        """``ringing``, ``on call``, ``missed``, ``ended`` or ``completed``."""
        if self.completed:
            return "completed"
        if self.ended_at is not None:
            return "ended" if self.answered_at is not None else "missed"
        return "on call" if self.answered_at is not None else "ringing"

    @property
    def seconds(self) -> int | None:
        """The call's duration: as recorded on the communication, else from the events."""
        if self.duration is not None:
            return self.duration
        if self.answered_at is not None and self.ended_at is not None:
            return max(0, round((self.ended_at - self.answered_at).total_seconds()))
        return None

    def set_customer(self, contact_id: int, name: str = "", customer_number: str = "") -> None:
        """The call is with ``contact_id``."""
        self.contact_id = contact_id
        self.contact_name = name or self.contact_name
        self.customer_number = customer_number or self.customer_number

    def describe(self) -> str:
        """A few words for the status bar, e.g. ``ringing: +35799123456``."""
        if self.state == "ringing":
            word = "calling" if self.direction == "outgoing" else "ringing"
            return f"{word}: {self.who}"
        if self.state == "on call":
            return f"on call: {self.who}"
        if self.state == "missed":
            return f"missed: {self.who}"
        if self.state == "ended":
            return f"wrap-up: {self.who}"
        return f"completed: {self.who}"
