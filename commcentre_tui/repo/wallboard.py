"""The supervisors' Wallboard in one read: agents' states, queues, today's figures, the trend.

:func:`read_board` runs a handful of aggregate queries in one short session and returns a
:class:`Board` (plain data, no Textual). Definitions (also in ``docs/wallboard.md``):

- **Day**: the calendar day of ``now`` in ``tz`` (the console's local zone); **hour** buckets
  count from that day's midnight.
- **Call**: a Phone communication created today; ``cti`` calls are the ones the console logged
  from the telephone system (they have a call start: the moment it was answered), so every one
  of them was **answered**. A call logged by hand counts as a call but not as answered.
  **Abandoned**: the PBX said the caller hung up while waiting in a queue (``queue_abandon``).
- **Handled** (per agent): their completed CTI calls today. **Talk** is the recorded duration;
  **after-call work (ACW)** runs from the hang-up to Complete, counted up to
  :data:`ACW_CAP_SECONDS` (a call completed hours later from Customer Care does not count its
  wait). **AHT** = (talk + ACW) / handled.
- **Communications logged**: every communication an agent created today, any media.
- **Outbox**: queued now (the queue's backlog); sent and failed of today's communications.
- **Overdue tasks**: open tasks due before now; **open cases** by severity.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Engine, Integer, and_, case, func, literal, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from commcentre_tui.models import Agent, AgentSession, Case, Communication, CommunicationQueue, Task
from commcentre_tui.models.security import QueueAbandon, QueueStatus
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading

#: After-call work counted per call at most (seconds).
ACW_CAP_SECONDS = 1800
#: The same weekday last week's hourly (calls, communications) by day start.
PastDays = dict[datetime, tuple[tuple[int, ...], tuple[int, ...]]]
#: The state of an agent with no live console session.
SIGNED_OUT = "signed_out"


@dataclass(frozen=True, slots=True)
class AgentRow:
    """One agent on the board."""

    agent_id: int
    name: str
    unit: str | None
    state: str
    """``available``, ``ringing``, ``on_call``, ``wrap_up``, ``away`` or ``signed_out``."""
    since: datetime | None
    detail: str = ""
    until: datetime | None = None
    handled: int = 0
    aht_seconds: int | None = None
    logged: int = 0


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A PBX queue as last reported."""

    queue: str
    waiting: int
    longest_since: datetime | None
    reported_at: datetime


@dataclass(slots=True)
class Today:
    """Today's figures for the whole centre."""

    calls_in: int = 0
    calls_out: int = 0
    answered: int = 0
    abandoned: int = 0
    """Calls the PBX says hung up while waiting in a queue (``QueueCallerAbandon``)."""
    handled: int = 0
    aht_seconds: int | None = None
    acw_seconds: int | None = None
    """Average after-call work per handled call."""
    dispositions: list[tuple[str, int]] = field(default_factory=list)
    """(reason, completed calls), most first; ``(none)`` for calls completed without one."""
    media: dict[tuple[str, str], int] = field(default_factory=dict)
    """(media, direction) → communications created today."""
    outbox_queued: int = 0
    outbox_sent: int = 0
    outbox_failed: int = 0
    overdue_tasks: int = 0
    open_cases: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Trend:
    """Per hour (24 buckets): calls and communications today and on the same weekday last week."""

    calls: tuple[int, ...]
    comms: tuple[int, ...]
    calls_last_week: tuple[int, ...]
    comms_last_week: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Board:
    """Everything the Wallboard shows, read at ``at``."""

    at: datetime
    agents: list[AgentRow]
    queues: list[QueueRow]
    today: Today
    trend: Trend


def day_bounds(now: datetime, tz: tzinfo = UTC) -> tuple[datetime, datetime]:
    """The start and end (aware UTC) of ``now``'s calendar day in ``tz``."""
    local = now.astimezone(tz)
    start = datetime.combine(local.date(), time.min, tz)
    end = datetime.combine(local.date() + timedelta(days=1), time.min, tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _seconds(engine: Engine, start: Any, end: Any) -> ColumnElement[Any]:
    """Seconds from ``start`` to ``end`` (columns or stamps) on either backend."""
    if engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return epoch_seconds(engine, end) - epoch_seconds(
        engine, start
    )  # whole seconds: sums stay exact


def call_measures(engine: Engine) -> tuple[Any, Any, Any, Any]:
    """SQL for one communication: (answered CTI call?, handled?, talk seconds, ACW seconds)."""
    c = Communication
    cti = col(c.call_started_at).is_not(None)
    handled = and_(col(c.media) == "phone", cti, col(c.state) == "completed")
    talk = func.coalesce(col(c.call_duration_seconds), 0)
    acw_raw = _seconds(engine, col(c.call_started_at), col(c.completed_at)) - talk
    # clamped to [0, cap] with the difference computed once per row (a CASE repeats it)
    pg = engine.dialect.name == "postgresql"
    low, high = (func.greatest, func.least) if pg else (func.max, func.min)
    acw = high(low(acw_raw, 0), ACW_CAP_SECONDS)
    return cti, handled, talk, acw


def epoch_seconds(engine: Engine, column: Any) -> ColumnElement[Any]:
    """Whole seconds since 1970 of a stored time (exact: no floating-point day fractions)."""
    if engine.dialect.name == "postgresql":
        return func.floor(func.extract("epoch", column))
    return func.cast(func.strftime("%s", column), Integer)


def read_board(
    engine: Engine, *, now: datetime | None = None, tz: tzinfo = UTC, past: PastDays | None = None
) -> Board:
    """The whole board as of ``now`` (one short read session).

    ``past``: a dict kept between refreshes (e.g. by the screen) so that last week's hourly
    figures, which do not change, are read once a day rather than every refresh.
    """
    now = now or utcnow()
    cache: PastDays = past if past is not None else {}
    start, end = day_bounds(now, tz)
    with reading(engine) as session:
        per_agent, today = _communications(session, engine, start, end)
        today.outbox_queued = session.execute(
            select(func.count())
            .select_from(CommunicationQueue)
            .where(col(CommunicationQueue.status) == "queued")
        ).scalar_one()
        today.abandoned = session.execute(
            select(func.count())
            .select_from(QueueAbandon)
            .where(col(QueueAbandon.abandoned_at) >= start, col(QueueAbandon.abandoned_at) < end)
        ).scalar_one()
        today.overdue_tasks = session.execute(
            select(func.count())
            .select_from(Task)
            .where(col(Task.status) == "open", col(Task.due_at) < now)
        ).scalar_one()
        today.open_cases = dict(
            session.execute(  # type: ignore[arg-type]  # the rows are (queue, count) pairs
                select(col(Case.severity), func.count())
                .where(col(Case.status) == "open")
                .group_by(col(Case.severity))
            ).all()
        )
        agents = _agents(session, now, per_agent)
        queues = [
            QueueRow(q.queue, q.waiting, q.longest_since, q.reported_at)
            for q in session.exec(select(QueueStatus).order_by(col(QueueStatus.queue))).scalars()  # type: ignore[call-overload]  # sqlmodel's exec overloads miss a plain Select of one model
        ]
        week_ago = timedelta(days=7)
        calls, comms = _hourly(session, engine, start, end)
        last_week = start - week_ago
        if last_week not in cache:  # a past day does not change: read it once per day
            cache.clear()
            cache[last_week] = _hourly(session, engine, last_week, end - week_ago)
        calls_lw, comms_lw = cache[last_week]
    return Board(now, agents, queues, today, Trend(calls, comms, calls_lw, comms_lw))


def _communications(
    session: Session, engine: Engine, start: datetime, end: datetime
) -> tuple[dict[int, tuple[int, int, float]], Today]:
    """Today's communications grouped once (dispositions too); per agent (handled, logged,
    handle seconds)."""
    c = Communication
    cti, handled, talk, acw = call_measures(engine)
    rows = session.execute(
        select(
            col(c.agent_id),
            col(c.media),
            col(c.direction),
            col(c.delivery),
            cti.label("cti"),
            col(c.disposition_reason),
            func.count(),
            func.sum(case((handled, 1), else_=0)),
            func.sum(case((handled, talk), else_=0)),
            func.sum(case((handled, acw), else_=0)),
        )
        .where(col(c.created_at) >= start, col(c.created_at) < end)
        .group_by(
            col(c.agent_id),
            col(c.media),
            col(c.direction),
            col(c.delivery),
            cti,
            col(c.disposition_reason),
        )
    ).all()
    today = Today()
    media: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    agents: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    talk_total = acw_total = 0.0
    for (
        agent_id,
        medium,
        direction,
        delivery,
        is_cti,
        reason,
        count,
        n_handled,
        talk_s,
        acw_s,
    ) in rows:
        media[(medium, direction)] += count
        if n_handled:
            reasons[reason or "(none)"] += int(n_handled)
        if medium == "phone":
            today.calls_in += count if direction == "incoming" else 0
            today.calls_out += count if direction == "outgoing" else 0
            today.answered += count if is_cti else 0
        if delivery == "sent":
            today.outbox_sent += count
        elif delivery == "failed":
            today.outbox_failed += count
        n_handled, talk_s, acw_s = int(n_handled or 0), float(talk_s or 0), float(acw_s or 0)
        today.handled += n_handled
        talk_total, acw_total = talk_total + talk_s, acw_total + acw_s
        if agent_id is not None:
            totals = agents[agent_id]
            totals[0] += n_handled
            totals[1] += count
            totals[2] += talk_s + acw_s
    today.media = dict(media)
    today.dispositions = sorted(reasons.items(), key=lambda r: (-r[1], r[0]))
    if today.handled:
        today.aht_seconds = round((talk_total + acw_total) / today.handled)
        today.acw_seconds = round(acw_total / today.handled)
    return {k: (int(v[0]), int(v[1]), v[2]) for k, v in agents.items()}, today


def _hourly(
    session: Session, engine: Engine, start: datetime, end: datetime
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(calls, communications) per hour from ``start``."""
    c = Communication
    hours = 24
    bucket = func.floor(
        (epoch_seconds(engine, col(c.created_at)) - literal(int(start.timestamp()))) / 3600
    )
    rows = session.execute(
        select(
            bucket.label("hour"),
            func.count(),
            func.sum(case((col(c.media) == "phone", 1), else_=0)),
        )
        .where(col(c.created_at) >= start, col(c.created_at) < end)
        .group_by(bucket)
    ).all()
    calls, comms = [0] * hours, [0] * hours
    for hour, count, phone in rows:
        index = min(hours - 1, max(0, int(hour)))
        comms[index] += int(count)
        calls[index] += int(phone or 0)
    return tuple(calls), tuple(comms)


#: Which live session's state wins when an agent has several consoles.
_RANK = {"on_call": 0, "ringing": 1, "wrap_up": 2, "available": 3, "away": 4}


def _agents(
    session: Session, now: datetime, per_agent: dict[int, tuple[int, int, float]]
) -> list[AgentRow]:
    live = session.execute(
        select(
            col(AgentSession.agent_id),
            col(AgentSession.state),
            col(AgentSession.state_since),
            col(AgentSession.state_detail),
            col(AgentSession.state_until),
            col(AgentSession.started_at),
        ).where(col(AgentSession.expires_at) > now)
    ).all()
    best: dict[int, tuple[str, datetime | None, str, datetime | None]] = {}
    for agent_id, state, since, detail, until, started in live:
        word = state or "available"
        candidate = (word, since or started, detail or "", until)
        held = best.get(agent_id)
        if held is None or _RANK.get(word, 9) < _RANK.get(held[0], 9):
            best[agent_id] = candidate
    rows = []
    for agent in session.execute(select(Agent).where(col(Agent.active))).scalars():
        word, since, detail, until = best.get(agent.id, (SIGNED_OUT, None, "", None))
        handled, logged, seconds = per_agent.get(agent.id, (0, 0, 0.0))
        rows.append(
            AgentRow(
                agent.id,
                agent.display_name or agent.username,
                agent.unit,
                word,
                since,
                detail,
                until,
                handled,
                round(seconds / handled) if handled else None,
                logged,
            )
        )
    rows.sort(key=lambda r: (r.state == SIGNED_OUT, r.name.casefold(), r.agent_id))
    return rows
