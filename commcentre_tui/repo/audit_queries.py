"""Browsing the audit trail: filtered by agent, entity, action and date, newest first, in pages.

Only supervisors may read it (the role's ``audit`` access level must be at least ``view`` *and*
the role must be a supervisor role); a refusal is itself audited. This module only reads: the
application has no function that updates or deletes audit entries.

Console use (in a thread worker)::

    page = browse_audit(engine, actor, AuditFilter(agent="maria", entity="payment",
                        since=start_utc, until=end_utc), limit=50)
    ...                                    # show page.rows
    older = browse_audit(engine, actor, same_filter, cursor=page.next_cursor)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, or_, select
from sqlmodel import col

from commcentre_tui.errors import NotAllowed, ValidationFailed
from commcentre_tui.models import Agent, AuditEntry
from commcentre_tui.repo.audit import record
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import REFUSAL_ACTION, Actor, enforce

MAX_PAGE = 500


@dataclass(frozen=True)
class AuditFilter:
    """What to show; every field optional. Datetimes must be timezone-aware."""

    agent: str | int | None = None
    """Username or agent id."""
    entity: str | None = None
    entity_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    """Inclusive."""
    until: datetime | None = None
    """Exclusive."""


@dataclass(frozen=True)
class AuditCursor:
    """Where the next (older) page starts; opaque to callers."""

    at: datetime
    id: int


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the browser shows it."""

    id: int
    at: datetime
    agent_id: int | None
    agent_username: str | None
    """``None`` for the system (command line, migrations) or an unknown SSH user."""
    agent_name: str | None
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str


@dataclass(frozen=True)
class AuditPage:
    """A page of entries, newest first; ``next_cursor`` is ``None`` on the last page."""

    rows: tuple[AuditRow, ...]
    next_cursor: AuditCursor | None


@dataclass(frozen=True)
class AuditFacets:
    """Values to offer in the browser's filters."""

    entities: tuple[str, ...]
    actions: tuple[str, ...]
    agents: tuple[tuple[int, str, str], ...]
    """``(id, username, display_name)`` of agents who appear in the trail."""


def require_audit_reader(engine: Engine, actor: Actor) -> None:
    """Refuse (and audit the refusal) unless ``actor`` is a supervisor with ``view`` on audit."""
    enforce(engine, actor, entity="audit", level="view")
    if actor.is_supervisor:
        return
    message = f"Your role ({actor.role_name}) is not a supervisor role; only supervisors may browse the audit trail."
    with transaction(engine) as session:
        record(
            session,
            agent_id=actor.agent_id,
            action=REFUSAL_ACTION,
            entity="audit",
            after={"level": "view"},
            detail=f"{actor.username}: {message}",
        )
    raise NotAllowed(message)


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValidationFailed(f"The {name} date needs a time zone.", name)
    return value


def browse_audit(
    engine: Engine,
    actor: Actor,
    filters: AuditFilter | None = None,
    *,
    limit: int = 50,
    cursor: AuditCursor | None = None,
) -> AuditPage:
    """A page of audit entries matching ``filters``, newest first, older than ``cursor``."""
    require_audit_reader(engine, actor)
    f = filters or AuditFilter()
    since, until = _aware(f.since, "since"), _aware(f.until, "until")
    if since and until and until <= since:
        raise ValidationFailed("The end of the date range must be after its start.", "until")
    limit = max(1, min(limit, MAX_PAGE))
    query = (
        select(AuditEntry, col(Agent.username), col(Agent.display_name))
        .outerjoin(Agent, col(Agent.id) == col(AuditEntry.agent_id))
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit + 1)
    )
    if isinstance(f.agent, int):
        query = query.where(col(AuditEntry.agent_id) == f.agent)
    elif f.agent:
        query = query.where(col(Agent.username) == f.agent)
    if f.entity:
        query = query.where(col(AuditEntry.entity) == f.entity)
    if f.entity_id is not None:
        query = query.where(col(AuditEntry.entity_id) == f.entity_id)
    if f.action:
        query = query.where(col(AuditEntry.action) == f.action)
    if since:
        query = query.where(col(AuditEntry.at) >= since)
    if until:
        query = query.where(col(AuditEntry.at) < until)
    if cursor:
        query = query.where(
            or_(
                col(AuditEntry.at) < cursor.at,
                and_(col(AuditEntry.at) == cursor.at, col(AuditEntry.id) < cursor.id),
            )
        )
    with reading(engine) as session:
        found = session.execute(query).all()
    rows = tuple(
        AuditRow(
            e.id or 0,
            e.at,
            e.agent_id,
            username,
            name,
            e.action,
            e.entity,
            e.entity_id,
            e.before,
            e.after,
            e.detail,
        )
        for e, username, name in found[:limit]
    )
    more = len(found) > limit
    return AuditPage(rows, AuditCursor(rows[-1].at, rows[-1].id) if more and rows else None)


def audit_facets(engine: Engine, actor: Actor) -> AuditFacets:
    """Distinct entities, actions and agents in the trail, for the browser's filter pickers."""
    require_audit_reader(engine, actor)
    with reading(engine) as session:
        entities = session.execute(
            select(col(AuditEntry.entity)).distinct().order_by(col(AuditEntry.entity))
        ).scalars()
        actions = session.execute(
            select(col(AuditEntry.action)).distinct().order_by(col(AuditEntry.action))
        ).scalars()
        agent_ids = (
            select(col(AuditEntry.agent_id)).where(col(AuditEntry.agent_id).is_not(None)).distinct()
        )
        agents = session.execute(
            select(col(Agent.id), col(Agent.username), col(Agent.display_name))
            .where(col(Agent.id).in_(agent_ids))
            .order_by(col(Agent.username))
        ).all()
        return AuditFacets(
            tuple(entities), tuple(actions), tuple((a or 0, u, d) for a, u, d in agents)
        )
