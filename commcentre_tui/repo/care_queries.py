"""Customer-care reads: the Customer Care tab's lists, a case with its follow-ups, reminders.

Unit-only cases (``visibility = "unit"``) are visible only to agents of the owning unit
(``assigned_unit``) and to supervisors; every case read here applies that rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, false, or_, select, true, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from commcentre_tui.errors import NotFound
from commcentre_tui.models import (
    Activity,
    Agent,
    Case,
    Communication,
    FollowUp,
    Job,
    Lead,
    ServiceRequest,
    Task,
)
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor

#: Every status of each care kind, in life-cycle order.
STATUSES: dict[str, tuple[str, ...]] = {
    "activity": ("open", "in_progress", "completed", "cancelled"),
    "job": ("open", "in_progress", "completed", "cancelled"),
    "service_request": ("open", "in_progress", "resolved", "closed"),
    "lead": ("new", "qualified", "won", "lost"),
    "case": ("open", "closed"),
    "task": ("open", "completed", "cancelled"),
}
#: The statuses that still need work ("open items"; for activities: "non-completed").
OPEN_STATUSES: dict[str, tuple[str, ...]] = {
    "activity": ("open", "in_progress"),
    "job": ("open", "in_progress"),
    "service_request": ("open", "in_progress", "resolved"),
    "lead": ("new", "qualified"),
    "case": ("open",),
    "task": ("open",),
}
MODELS: dict[str, Any] = {
    "activity": Activity,
    "job": Job,
    "service_request": ServiceRequest,
    "lead": Lead,
    "case": Case,
    "task": Task,
}
#: The column the "type" filter applies to, per kind (cases have none).
TYPE_COLUMNS = {
    "activity": "type",
    "job": "type",
    "service_request": "type",
    "lead": "source",
    "task": "kind",
}
#: The column the date-range filter applies to, per kind.
DATE_COLUMNS = {
    "activity": "start_at",
    "job": "scheduled_at",
    "task": "due_at",
    "service_request": "created_at",
    "lead": "created_at",
    "case": "created_at",
}


@dataclass(frozen=True)
class CareRow:
    """One care record as the Customer Care tab lists it."""

    kind: str
    id: int
    number: str
    type: str
    """Activity/job/service-request type, task kind, lead source, case severity."""
    title: str
    """Case or task subject, lead interest, else the first line of the description."""
    status: str
    priority: str | None
    severity: str | None
    key_date: datetime | None
    """Activity start, job scheduled date, task due time, else when it was created."""
    assigned_unit: str | None
    assigned_agent: str | None
    version: int
    created_at: datetime


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up of a case, in the order it was added."""

    id: int
    kind: str
    note: str
    communication_id: int | None
    communication_subject: str | None
    agent: str | None
    created_at: datetime


@dataclass(frozen=True)
class CaseDetail:
    """A case with its follow-ups (oldest first)."""

    case: Case
    follow_ups: list[FollowUpRow]


@dataclass(frozen=True)
class TaskReminder:
    """A task whose reminder is due for its agent."""

    task_id: int
    contact_id: int
    kind: str
    subject: str
    due_at: datetime
    remind_at: datetime


def case_visibility(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: cases ``actor`` may see."""
    if actor.is_supervisor:
        return true()
    own_unit = col(Case.assigned_unit) == actor.unit if actor.unit else false()
    return or_(col(Case.visibility) == "public", own_unit)


def case_is_visible(case: Case, actor: Actor) -> bool:
    """Whether ``actor`` may see ``case`` (same rule as :func:`case_visibility`)."""
    if case.visibility == "public" or actor.is_supervisor:
        return True
    return actor.unit is not None and case.assigned_unit == actor.unit


def known_units(session: Session) -> list[str]:
    """The units active agents belong to, sorted."""
    rows = session.execute(
        select(col(Agent.unit)).where(col(Agent.active), col(Agent.unit).is_not(None)).distinct()
    ).scalars()
    return sorted(u for u in rows if u)


def active_agent(session: Session, agent_id: int) -> Agent | None:
    """Agent ``agent_id`` if it exists and is active."""
    agent = session.get(Agent, agent_id)
    return agent if agent is not None and agent.active else None


def _title(kind: str, rec: Any) -> str:
    if kind in ("case", "task"):
        return str(rec.subject)
    if kind == "lead" and rec.interest:
        return str(rec.interest)
    return (rec.description or "").strip().split("\n", 1)[0][:200]


def care_items(
    engine: Engine,
    actor: Actor,
    contact_id: int,
    kind: str,
    *,
    type: str | None = None,
    status: str | None = None,
    open_only: bool = False,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    limit: int = 100,
) -> list[CareRow]:
    """A contact's ``kind`` records, newest key date first, with the tab's filters.

    ``type`` filters the kind's type column (see :data:`TYPE_COLUMNS`), ``status`` one status,
    ``open_only`` the statuses of :data:`OPEN_STATUSES`; ``date_from``/``date_to`` (inclusive)
    the key date (:data:`DATE_COLUMNS`). Unit-only cases other units may not see are left out.
    """
    model = MODELS.get(kind)
    if model is None:
        raise ValueError(f"unknown care kind {kind!r}; known: {', '.join(MODELS)}")
    assignee = aliased(Agent)
    date_col = getattr(model, DATE_COLUMNS[kind])
    conditions: list[ColumnElement[bool]] = [model.contact_id == contact_id]
    if type:
        if kind not in TYPE_COLUMNS:
            raise ValueError(f"{kind} records have no type to filter on")
        conditions.append(getattr(model, TYPE_COLUMNS[kind]) == type)
    if status:
        conditions.append(model.status == status)
    if open_only:
        conditions.append(model.status.in_(OPEN_STATUSES[kind]))
    if date_from is not None:
        conditions.append(date_col >= date_from)
    if date_to is not None:
        conditions.append(date_col <= date_to)
    if kind == "case":
        conditions.append(case_visibility(actor))
    stmt = (
        select(model, col(assignee.display_name))
        .outerjoin(assignee, assignee.id == model.assigned_agent_id)
        .where(and_(*conditions))
        .order_by(date_col.desc(), model.id.desc())
        .limit(limit)
    )
    with reading(engine) as session:
        rows = session.execute(stmt).all()
    result: list[CareRow] = []
    for rec, agent_name in rows:
        type_col = TYPE_COLUMNS.get(kind)
        result.append(
            CareRow(
                kind=kind,
                id=rec.id,
                number=getattr(rec, "number", None) or f"T{rec.id}",
                type=str(getattr(rec, type_col) if type_col else rec.severity),
                title=_title(kind, rec),
                status=rec.status,
                priority=getattr(rec, "priority", None),
                severity=getattr(rec, "severity", None),
                key_date=getattr(rec, DATE_COLUMNS[kind]),
                assigned_unit=getattr(rec, "assigned_unit", None),
                assigned_agent=agent_name,
                version=rec.version,
                created_at=rec.created_at,
            )
        )
    return result


def non_completed_activities(
    engine: Engine,
    *,
    contact_id: int | None = None,
    agent_id: int | None = None,
    unit: str | None = None,
    limit: int = 100,
) -> list[Activity]:
    """Open and in-progress activities (the seed's "Non Completed Activities"), soonest start first.

    Narrow by contact, assigned agent and/or assigned unit.
    """
    stmt = select(Activity).where(col(Activity.status).in_(OPEN_STATUSES["activity"]))
    if contact_id is not None:
        stmt = stmt.where(col(Activity.contact_id) == contact_id)
    if agent_id is not None:
        stmt = stmt.where(col(Activity.assigned_agent_id) == agent_id)
    if unit is not None:
        stmt = stmt.where(col(Activity.assigned_unit) == unit)
    stmt = stmt.order_by(col(Activity.start_at), col(Activity.id)).limit(limit)
    with reading(engine) as session:
        return list(session.execute(stmt).scalars())


def follow_up_rows(session: Session, case_id: int) -> list[FollowUpRow]:
    """The follow-ups of case ``case_id``, oldest first."""
    author = aliased(Agent)
    rows = session.execute(
        select(FollowUp, col(Communication.subject), col(author.display_name))
        .outerjoin(Communication, col(Communication.id) == col(FollowUp.communication_id))
        .outerjoin(author, col(author.id) == col(FollowUp.agent_id))
        .where(col(FollowUp.case_id) == case_id)
        .order_by(col(FollowUp.created_at), col(FollowUp.id))
    ).all()
    return [
        FollowUpRow(
            id=f.id,
            kind=f.kind,
            note=f.note,
            communication_id=f.communication_id,
            communication_subject=subject,
            agent=agent,
            created_at=f.created_at,
        )
        for f, subject, agent in rows
    ]


def case_with_follow_ups(engine: Engine, actor: Actor, case_id: int) -> CaseDetail:
    """Case ``case_id`` with its follow-ups in order; :class:`NotFound` if missing or not visible."""
    with reading(engine) as session:
        case = session.get(Case, case_id)
        if case is None or not case_is_visible(case, actor):
            raise NotFound("That case does not exist or is visible only to another unit.")
        return CaseDetail(case=case, follow_ups=follow_up_rows(session, case_id))


def due_reminders(engine: Engine, agent_id: int, now: datetime) -> list[TaskReminder]:
    """Open tasks of ``agent_id`` whose reminder time has come and that were not reminded yet.

    Includes reminders that fell due while the agent was offline (catch-up on start), oldest first.
    """
    with reading(engine) as session:
        tasks = (
            session.execute(
                select(Task)
                .where(
                    col(Task.assigned_agent_id) == agent_id,
                    col(Task.status) == "open",
                    col(Task.remind_at) <= now,
                    col(Task.reminded_at).is_(None),
                )
                .order_by(col(Task.remind_at), col(Task.id))
            )
            .scalars()
            .all()
        )
    return [
        TaskReminder(t.id or 0, t.contact_id, t.kind, t.subject, t.due_at, t.remind_at or t.due_at)
        for t in tasks
    ]


def mark_tasks_reminded(
    session: Session, agent_id: int, task_ids: list[int], at: datetime
) -> list[int]:
    """Stamp ``reminded_at`` on those of ``task_ids`` assigned to ``agent_id`` and not yet reminded.

    One conditional UPDATE (safe when two consoles race); returns the ids stamped now, sorted.
    """
    rows = (
        session.execute(
            update(Task)
            .where(
                col(Task.id).in_(task_ids),
                col(Task.assigned_agent_id) == agent_id,
                col(Task.reminded_at).is_(None),
            )
            .values(reminded_at=at)
            .returning(col(Task.id))
        )
        .scalars()
        .all()
    )
    return sorted(int(r) for r in rows)
