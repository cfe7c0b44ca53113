"""An incoming message as received and as recorded: Incoming, StoredAttachment, Recorded, Routing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass
class StoredAttachment:
    """An attachment as recorded: its file (relative path) or why it was not stored."""

    filename: str
    content_type: str
    size: int
    sha256: str | None = None
    stored_path: str | None = None
    note: str | None = None


@dataclass
class Incoming:
    """One message that arrived, whatever the channel."""

    channel: str
    sender: str
    """An email address, or an E.164 number."""
    sender_name: str = ""
    subject: str = ""
    content: str = ""
    message_id: str | None = None
    reply_ids: list[str] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    mailbox: str | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    size: int = 0
    refused: str | None = None
    """A reason: record the message as refused (nothing else is written)."""
    bounce_ids: list[str] | None = None
    """For a bounce: the Message-IDs it reports on; ``bounce_reason`` why."""
    bounce_reason: str = ""


@dataclass(frozen=True)
class Recorded:
    """What became of one message."""

    outcome: str
    communication_id: int | None = None
    contact_id: int | None = None
    match: str | None = None
    refers_to_id: int | None = None
    owner_agent_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Routing:
    """Where recorded messages go: our Message-ID domain, the fallback unit, the SMS window."""

    domain: str
    unit: str | None = None
    sms_window: timedelta = timedelta(hours=72)
