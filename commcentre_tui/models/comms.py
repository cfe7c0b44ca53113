"""Communications, templates, the communication queue (outbox) and autosaved form drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import utcnow

#: ``ix_communication_direction_created`` (migration 0017): what ``report fcr`` reads of the
#: incoming communications of a range, from that range of the index alone.
DIRECTION_CREATED_COLUMNS = (
    "direction",
    "created_at",
    "contact_id",
    "category",
    "agent_id",
    "id",
)


class Communication(SQLModel, table=True):
    """Any interaction with a contact.

    ``state`` is the life cycle (``draft`` → ``completed``); ``delivery`` tracks outgoing email
    and SMS (``queued`` → ``sent`` | ``failed``), ``None`` for media that are only logged.
    """

    __tablename__ = "communication"
    __table_args__ = (
        Index("ix_communication_agent_created", "agent_id", "created_at", "id"),
        Index("ix_communication_contact_created", "contact_id", "created_at"),
        Index("ix_communication_follow_up_of", "follow_up_of_id"),
        Index("ix_communication_direction_created", *DIRECTION_CREATED_COLUMNS),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    """``None`` only for an incoming email or SMS whose sender matched no customer (an agent
    attaches it to one: ``services.inbound``)."""
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    direction: str = Field(max_length=10)
    media: str = Field(max_length=10)
    category: str = Field(default="General", max_length=60)
    subject: str = Field(default="", max_length=300)
    content: str = Field(default="", sa_type=Text)
    recipient: str = Field(default="", max_length=254)
    """The email address or phone number used."""
    state: str = Field(default="draft", max_length=20)
    delivery: str | None = Field(default=None, max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    shared_notes: str = Field(default="", sa_type=Text)
    related_type: str | None = Field(default=None, max_length=30)
    related_id: int | None = None
    follow_up_of_id: int | None = Field(default=None, foreign_key="communication.id")
    template_id: int | None = Field(default=None, foreign_key="template.id")
    visibility: str = Field(default="public", max_length=20)
    """``public`` or ``unit`` (visible to the owning unit and supervisors only)."""
    unit: str | None = Field(default=None, max_length=60)
    call_started_at: datetime | None = None
    call_duration_seconds: int | None = None
    disposition_reason: str | None = Field(default=None, max_length=60)
    disposition_outcome: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    sent_at: datetime | None = None
    version: int = 1


class Template(SQLModel, table=True):
    """A communication template (Jinja2 tags) for one media and language."""

    __tablename__ = "template"
    __table_args__ = (Index("ux_template_name_language", "name", "language", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    media: str = Field(max_length=10)
    language: str = Field(default="en", max_length=10)
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", sa_type=Text)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    about: str = Field(default="customer", max_length=30)
    """Which record the tags refer to in bulk sends (``comms.targets.ABOUT``)."""
    origin: str | None = Field(default=None, max_length=100)
    """The shipped file it was installed from (``overdue_reminder.en``), else ``None``."""
    shipped_hash: str | None = Field(default=None, max_length=64)
    """Fingerprint of the content as installed: differs from the current one once edited."""
    version: int = 1


class CommunicationQueue(SQLModel, table=True):
    """The outbox: one entry per outgoing email/SMS, written with its communication.

    ``status``: queued → sending (leased until ``lease_until``) → sent | failed; a lease that
    expires returns the entry to the queue.
    """

    __tablename__ = "communication_queue"
    __table_args__ = (
        Index("ix_queue_status_next", "status", "next_attempt_at"),
        Index("ix_queue_status_sent", "status", "sent_at"),
        Index("ix_queue_message_id", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    communication_id: int = Field(foreign_key="communication.id", unique=True)
    status: str = Field(default="queued", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    worker: str | None = Field(default=None, max_length=100)
    attempt_started_at: datetime | None = None
    """Set before a send; a lease expiring with this set means "sent?" and is reconciled."""
    message_id: str | None = Field(default=None, max_length=200)
    """The Message-ID of the latest attempt (indexed: a reply's ``In-Reply-To`` finds it)."""
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class FormDraft(SQLModel, table=True):
    """An agent's unsaved form content, autosaved so a crash loses nothing."""

    __tablename__ = "form_draft"
    __table_args__ = (Index("ux_form_draft_agent_form", "agent_id", "form", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id")
    form: str = Field(max_length=60)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow)
