"""Live state other processes read: each agent's call state, and the PBX's queues.

The console's CTI flow runs in the agent's own process; the supervisors' Wallboard in another.
:func:`set_state` writes the agent's state on their live ``agent_session`` rows (presence keeps
those alive; an agent with none is signed out). The queue functions keep ``queue_caller`` (the
callers waiting now, from AMI ``QueueCallerJoin``/``QueueCallerLeave``), ``queue_abandon`` (the
calls abandoned while waiting, ``QueueCallerAbandon``) and ``queue_status``
(waiting calls and the longest wait per queue; also set directly by ``QueueSummary`` or a
listener ``queue`` event). Every console connected to the PBX sees the same queue events, so
each write is idempotent: a second console repeating it changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from commcentre_tui.models.security import AgentSession, QueueAbandon, QueueCaller, QueueStatus
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import transaction
from commcentre_tui.text import inert

AVAILABLE, RINGING, ON_CALL, WRAP_UP, AWAY = "available", "ringing", "on_call", "wrap_up", "away"
#: Every state word an agent session may carry.
STATES: tuple[str, ...] = (AVAILABLE, RINGING, ON_CALL, WRAP_UP, AWAY)


def set_state(
    engine: Engine,
    agent_id: int,
    state: str,
    *,
    since: datetime | None = None,
    detail: str = "",
    until: datetime | None = None,
) -> bool:
    """Write ``agent_id``'s state on their live sessions; ``False`` when they have none yet."""
    if state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}, not {state!r}.")
    now = utcnow()
    with transaction(engine) as session:
        result = session.execute(
            update(AgentSession)
            .where(AgentSession.agent_id == agent_id, AgentSession.expires_at > now)  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
            .values(
                state=state,
                state_since=since or now,
                state_detail=inert(detail)[:120] or None,
                state_until=until,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # execute() of an UPDATE/DELETE returns a CursorResult, which has rowcount


def _short(value: str, limit: int = 80) -> str:
    return inert(value).strip()[:limit]


def queue_join(
    engine: Engine, queue: str, uniqueid: str, caller: str = "", at: datetime | None = None
) -> None:
    """A caller joined ``queue`` (repeating it changes nothing)."""
    queue, uniqueid = _short(queue), _short(uniqueid)
    if not queue or not uniqueid:
        return
    try:
        with transaction(engine) as session:
            if session.get(QueueCaller, (queue, uniqueid)) is None:
                session.add(
                    QueueCaller(
                        queue=queue,
                        uniqueid=uniqueid,
                        caller=_short(caller),
                        joined_at=at or utcnow(),
                    )
                )
                session.flush()
            _recount(session, queue)
    except IntegrityError:  # another console wrote the same join at the same moment
        return


def queue_leave(engine: Engine, queue: str, uniqueid: str) -> None:
    """A caller left ``queue`` (answered, abandoned or timed out)."""
    queue, uniqueid = _short(queue), _short(uniqueid)
    if not queue:
        return
    try:
        with transaction(engine) as session:
            session.execute(
                delete(QueueCaller).where(
                    col(QueueCaller.queue) == queue, col(QueueCaller.uniqueid) == uniqueid
                )
            )
            _recount(session, queue)
    except IntegrityError:
        return


def queue_abandon(
    engine: Engine,
    queue: str,
    uniqueid: str,
    wait_seconds: float = 0,
    at: datetime | None = None,
) -> None:
    """A caller hung up while waiting in ``queue``: they leave it, and the call counts as
    abandoned once (every console hears it; the repeats change nothing)."""
    queue, uniqueid = _short(queue), _short(uniqueid)
    if not queue or not uniqueid:
        return
    try:
        with transaction(engine) as session:
            waiting = session.get(QueueCaller, (queue, uniqueid))
            caller = waiting.caller if waiting is not None else ""
            if waiting is not None:
                session.delete(waiting)
                session.flush()
            if session.get(QueueAbandon, (queue, uniqueid)) is None:
                session.add(
                    QueueAbandon(
                        queue=queue,
                        uniqueid=uniqueid,
                        caller=caller,
                        wait_seconds=max(0, int(wait_seconds)),
                        abandoned_at=at or utcnow(),
                    )
                )
                session.flush()
            _recount(session, queue)
    except IntegrityError:  # another console wrote the same abandon at the same moment
        return


def queue_summary(
    engine: Engine, queue: str, waiting: int, longest_seconds: float, at: datetime | None = None
) -> None:
    """The PBX's own figures for ``queue`` (``QueueSummary``, a listener ``queue`` event)."""
    queue = _short(queue)
    if not queue:
        return
    now = at or utcnow()
    waiting = max(0, int(waiting))
    longest = now - timedelta(seconds=max(0.0, float(longest_seconds))) if waiting else None
    try:
        with transaction(engine) as session:
            _put(session, queue, waiting, longest, now)
    except IntegrityError:
        return


def _recount(session: Session, queue: str) -> None:
    waiting, longest = session.execute(
        select(func.count(), func.min(QueueCaller.joined_at)).where(QueueCaller.queue == queue)  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
    ).one()
    _put(session, queue, int(waiting), longest, utcnow())


def _put(
    session: Session, queue: str, waiting: int, longest: datetime | None, now: datetime
) -> None:
    row = session.get(QueueStatus, queue)
    if row is None:
        session.add(
            QueueStatus(queue=queue, waiting=waiting, longest_since=longest, reported_at=now)
        )
    else:
        row.waiting, row.longest_since, row.reported_at = waiting, longest, now
    session.flush()
