"""Presence: which other agents have a customer open or a record in an edit form, right now.

Presence survives nothing: it is derived only from live session rows (``agent_session``), each
with an expiry. A console calls :func:`open_session` when it starts, :func:`heartbeat` every
:data:`HEARTBEAT_SECONDS` (stating what it has open *now*), and :func:`close_session` when it
ends. Readers only count rows whose ``expires_at`` is in the future, so an agent who leaves
cleanly disappears at once, and one whose console dies (crash, killed SSH connection, network
cut) disappears at most :data:`TTL_SECONDS` after their last heartbeat — presence is never stale
for longer than that. Expired rows are purged when sessions open or close.

Clocks: expiry is written and compared with the clock of the process calling these functions, so
consoles of one deployment should run on hosts with synchronised clocks (the SSH server runs them
all on one host).

Typical use from the console (in a thread worker)::

    token = presence.open_session(engine, actor)
    # every HEARTBEAT_SECONDS, and at once when the customer or edit form changes:
    if not presence.heartbeat(engine, token, contact_id=customer_id, editing="case:17"):
        token = presence.open_session(engine, actor)   # the row expired (machine slept)
    others = presence.who_else_has(engine, customer_id, exclude_token=token)
    header_note = presence.describe(others)            # "also open: Maria (since 10:42)"
    editors = presence.who_else_edits(engine, "case:17", exclude_token=token)
    presence.close_session(engine, token)
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Engine, case, delete, literal, select, update
from sqlmodel import Session, col

from commcentre_tui.errors import NotAllowed
from commcentre_tui.models import Agent, AgentSession
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.presence_text import (  # noqa: F401 - part of this module's interface
    HEARTBEAT_SECONDS,
    TTL_SECONDS,
    Presence,
    describe,
    record_key,
)

#: Expired rows older than this are deleted by the next open/close.
PURGE_AFTER_SECONDS = 60.0


def open_session(
    engine: Engine, actor: Actor, *, contact_id: int | None = None, ttl: float = TTL_SECONDS
) -> str:
    """Start a live session for ``actor``; returns its token (keep it, pass it to the others)."""
    if actor.agent_id is None:
        raise NotAllowed("Presence needs a signed-in agent.")
    now = utcnow()
    token = secrets.token_hex(16)
    with transaction(engine) as session:
        _purge(session, now)
        session.add(
            AgentSession(
                agent_id=actor.agent_id,
                token=token,
                contact_id=contact_id,
                opened_at=now if contact_id is not None else None,
                started_at=now,
                heartbeat_at=now,
                expires_at=now + timedelta(seconds=ttl),
            )
        )
    return token


def heartbeat(
    engine: Engine,
    token: str,
    contact_id: int | None = None,
    editing: str | None = None,
    *,
    ttl: float = TTL_SECONDS,
) -> bool:
    """Say the session is alive and what it has open now (``None``: nothing); extends the expiry.

    ``since`` restarts only when ``contact_id`` changes. Returns ``False`` when the session has
    already expired or was closed (open a new one).
    """
    now = utcnow()
    same = (
        col(AgentSession.contact_id).is_(None)
        if contact_id is None
        else col(AgentSession.contact_id) == contact_id
    )
    stamp = literal(now, type_=AgentSession.__table__.c.opened_at.type)  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    opened = (
        case((same, col(AgentSession.opened_at)), else_=stamp) if contact_id is not None else None
    )
    with transaction(engine) as session:
        result = session.execute(
            update(AgentSession)
            .where(col(AgentSession.token) == token, col(AgentSession.expires_at) > now)
            .values(
                contact_id=contact_id,
                editing=editing,
                opened_at=opened,
                heartbeat_at=now,
                expires_at=now + timedelta(seconds=ttl),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # execute() of an UPDATE/DELETE returns a CursorResult, which has rowcount


def close_session(engine: Engine, token: str) -> None:
    """End a session: others stop seeing it at once."""
    with transaction(engine) as session:
        session.execute(delete(AgentSession).where(col(AgentSession.token) == token))
        _purge(session, utcnow())


def purge_expired(engine: Engine) -> int:
    """Delete long-expired rows (housekeeping only: readers ignore expired rows anyway)."""
    with transaction(engine) as session:
        return _purge(session, utcnow())


def _purge(session: Session, now: datetime) -> int:
    cutoff = now - timedelta(seconds=PURGE_AFTER_SECONDS)
    result = cast(
        CursorResult[Any],
        session.execute(  # an executed DELETE is a CursorResult; the stubs say Result
            delete(AgentSession).where(col(AgentSession.expires_at) < cutoff)
        ),
    )
    return int(result.rowcount or 0)


def _others(
    engine: Engine, condition: ColumnElement[bool], exclude_token: str | None
) -> list[Presence]:
    now = utcnow()
    query = (
        select(
            col(Agent.id),
            col(Agent.display_name),
            col(Agent.username),
            col(AgentSession.opened_at),
            col(AgentSession.started_at),
        )
        .join(Agent, col(Agent.id) == col(AgentSession.agent_id))
        .where(condition, col(AgentSession.expires_at) > now)
    )
    if exclude_token is not None:
        query = query.where(col(AgentSession.token) != exclude_token)
    earliest: dict[int, Presence] = {}
    with reading(engine) as session:
        for agent_id, display_name, username, opened_at, started_at in session.execute(query):
            since = opened_at or started_at
            seen = earliest.get(agent_id)
            if seen is None or since < seen.since:
                earliest[agent_id] = Presence(display_name or username, since)
    return sorted(earliest.values(), key=lambda p: (p.since, p.display_name))


def who_else_has(
    engine: Engine, contact_id: int, exclude_token: str | None = None
) -> list[Presence]:
    """Agents (one entry each, earliest first) with customer ``contact_id`` open in a live session
    other than ``exclude_token``."""
    return _others(engine, col(AgentSession.contact_id) == contact_id, exclude_token)


def who_else_edits(engine: Engine, record: str, exclude_token: str | None = None) -> list[Presence]:
    """Agents with ``record`` (``"entity:id"``, see :func:`record_key`) in an edit form now."""
    return _others(engine, col(AgentSession.editing) == record, exclude_token)
