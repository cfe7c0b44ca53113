"""Inbound channels: one row per message that arrived (email or SMS), and email attachments.

An :class:`InboundMessage` is written in the same transaction as the communication it created
(or as the delivery it marked failed, for a bounce; or alone, for a message refused with a
reason), and its unique keys — the IMAP position ``(mailbox, uidvalidity, uid)`` and the
``message_id`` — make a second import of the same message a no-op: each message is imported
exactly once whatever pollers run or die.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import utcnow

#: What became of an inbound message.
OUTCOMES = ("imported", "bounce", "refused", "duplicate")
#: How its sender matched customers: one, several (the newest active chosen), none, or an
#: agent attached it later.
MATCHES = ("one", "several", "none", "attached")


class InboundMessage(SQLModel, table=True):
    """A message that arrived on an inbound channel, recorded exactly once."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        Index("ux_inbound_position", "mailbox", "uidvalidity", "uid", unique=True),
        Index("ux_inbound_message_id", "message_id", unique=True),
        Index("ix_inbound_communication", "communication_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)
    """``email`` or ``sms``."""
    mailbox: str | None = Field(default=None, max_length=300)
    """``user@host:port/folder`` the message was read from (email)."""
    uidvalidity: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    uid: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_id: str | None = Field(default=None, max_length=300)
    """The email's Message-ID, or ``sms:<reference>`` for an SMS with a gateway reference."""
    outcome: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=500)
    """Why it was refused, the bounce's diagnostic, or how the sender was matched."""
    communication_id: int | None = Field(default=None, foreign_key="communication.id")
    """The incoming communication it created (``imported``)."""
    refers_to_id: int | None = Field(default=None, foreign_key="communication.id")
    """Our communication it answers (threading) or bounced (a bounce)."""
    sender: str = Field(default="", max_length=254)
    """The sender's address or E.164 number (made inert)."""
    sender_name: str = Field(default="", max_length=200)
    match: str | None = Field(default=None, max_length=20)
    owner_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    """Whose My Work it is in: the agent who sent what it answers …"""
    owner_unit: str | None = Field(default=None, max_length=60)
    """… else this unit's queue."""
    handled_at: datetime | None = None
    """When an agent handled it (replied, or marked it handled); ``None``: waiting."""
    size: int = 0
    received_at: datetime = Field(default_factory=utcnow)


class InboundAttachment(SQLModel, table=True):
    """An attachment of an incoming email: listed on the communication, never opened.

    ``stored_path`` is relative to the attachments folder (``None`` when it was not stored:
    over ``[inbound.email] max_attachment_bytes``, said in ``note``).
    """

    __tablename__ = "inbound_attachment"

    id: int | None = Field(default=None, primary_key=True)
    communication_id: int = Field(foreign_key="communication.id", index=True)
    filename: str = Field(default="", max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    size: int = 0
    sha256: str | None = Field(default=None, max_length=64)
    stored_path: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=200)
