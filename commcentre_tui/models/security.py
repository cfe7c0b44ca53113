"""Security: agents, their keys, roles and permissions, live sessions and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import utcnow


class Agent(SQLModel, table=True):
    """A logged-in user of the console."""

    __tablename__ = "agent"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    display_name: str = Field(max_length=100)
    unit: str | None = Field(default=None, max_length=60)
    extension: str | None = Field(default=None, max_length=20, index=True)
    role: str = Field(default="agent", max_length=30)
    active: bool = True
    time_zone: str | None = Field(default=None, max_length=64)
    """The IANA zone the agent reads times in (``None``: the server's); storage stays UTC."""
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class AgentKey(SQLModel, table=True):
    """An SSH public key an agent logs in with."""

    __tablename__ = "agent_key"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    public_key: str = Field(sa_type=Text)
    fingerprint: str = Field(max_length=100, unique=True)
    comment: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Role(SQLModel, table=True):
    """A role, mirrored from config so reports and other tools can read it."""

    __tablename__ = "role"

    name: str = Field(primary_key=True, max_length=30)
    description: str = Field(default="", max_length=200)


class Permission(SQLModel, table=True):
    """One grant of a role: an entity access level or an allowed action."""

    __tablename__ = "permission"
    __table_args__ = (Index("ux_permission", "role", "kind", "target", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(foreign_key="role.name", max_length=30)
    kind: str = Field(max_length=10)
    """``entity`` or ``action``."""
    target: str = Field(max_length=100)
    level: str = Field(default="edit", max_length=10)


class AgentSession(SQLModel, table=True):
    """A live console session (heartbeat with expiry): presence is derived from these."""

    __tablename__ = "agent_session"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    token: str = Field(max_length=64, unique=True)
    contact_id: int | None = Field(default=None, index=True)
    editing: str | None = Field(default=None, max_length=60)
    """``entity:id`` of a record open in an edit form."""
    started_at: datetime = Field(default_factory=utcnow)
    opened_at: datetime | None = None
    heartbeat_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(default_factory=utcnow, index=True)
    state: str | None = Field(default=None, max_length=20)
    """The agent's call state for the Wallboard: ``available`` (also ``None``), ``ringing``,
    ``on_call``, ``wrap_up`` or ``away`` (see :mod:`commcentre_tui.repo.agent_state`)."""
    state_since: datetime | None = None
    state_detail: str | None = Field(default=None, max_length=120)
    """What the state is about: the caller shown (inert text)."""
    state_until: datetime | None = None
    """When the after-call work time runs out (``wrap_up`` only)."""


class QueueStatus(SQLModel, table=True):
    """A PBX queue as last reported: calls waiting and since when the longest has waited."""

    __tablename__ = "queue_status"

    queue: str = Field(primary_key=True, max_length=80)
    waiting: int = 0
    longest_since: datetime | None = None
    reported_at: datetime = Field(default_factory=utcnow)


class QueueCaller(SQLModel, table=True):
    """A caller waiting in a PBX queue now (between ``QueueCallerJoin`` and ``Leave``)."""

    __tablename__ = "queue_caller"

    queue: str = Field(primary_key=True, max_length=80)
    uniqueid: str = Field(primary_key=True, max_length=80)
    caller: str = Field(default="", max_length=80)
    joined_at: datetime = Field(default_factory=utcnow)


class QueueAbandon(SQLModel, table=True):
    """A caller who hung up while waiting in a PBX queue (AMI ``QueueCallerAbandon`` or a
    listener ``queue`` event with ``abandoned``): one row per call, whichever console saw it."""

    __tablename__ = "queue_abandon"

    queue: str = Field(primary_key=True, max_length=80)
    uniqueid: str = Field(primary_key=True, max_length=80)
    caller: str = Field(default="", max_length=80)
    wait_seconds: int = 0
    abandoned_at: datetime = Field(default_factory=utcnow, index=True)


class AuditEntry(SQLModel, table=True):
    """Who did what to which record, when, with before/after for changes."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=30)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    detail: str = Field(default="", max_length=500)
