"""``mywork.first_page``: My Work's first page for an agent with 5,000 open items.

The case adds a bench agent (unit "Bench") with 5,000 open items spread over the seeded
customers — tasks (a third of them overdue), cases, activities, jobs, service requests, leads,
drafts and failed emails — plus as many items of another agent of the same unit (noise the
queries must skip), then times what the console does when My Work opens: the header's counts and
the first page of 50. The items and the agents are removed afterwards. Goal: p95 ≤ 50 ms on both
databases.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, or_, select
from sqlmodel import col

from commcentre_tui.bench.registry import BenchContext, Samples, case
from commcentre_tui.models import (
    Activity,
    Agent,
    Case,
    Communication,
    Job,
    Lead,
    ServiceRequest,
    Task,
)
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.my_work import my_work, work_counts
from commcentre_tui.repo.permissions import Actor

ITEMS = 5_000
UNIT = "Bench"
PREFIX = "MWB"
#: Share of the items per kind (sums to 1).
MIX = {
    "task": 0.4,
    "case": 0.1,
    "activity": 0.1,
    "job": 0.1,
    "service_request": 0.1,
    "lead": 0.08,
    "draft": 0.06,
    "failed": 0.06,
}
MODELS: dict[str, Any] = {
    "task": Task,
    "case": Case,
    "activity": Activity,
    "job": Job,
    "service_request": ServiceRequest,
    "lead": Lead,
}


def _agent(engine: Engine, username: str) -> int:
    with transaction(engine) as session:
        found = session.execute(
            select(col(Agent.id)).where(col(Agent.username) == username)
        ).scalar()
        if found is not None:
            return int(found)
        agent = Agent(username=username, display_name=username, unit=UNIT, role="agent")
        session.add(agent)
        session.flush()
        return int(agent.id or 0)


def _rows(
    kind: str, agent_id: int, contacts: list[int], count: int, tag: str, queue: bool
) -> list[dict[str, Any]]:
    now = utcnow()
    rows = []
    for i in range(count):
        contact = contacts[i % len(contacts)]
        when = now + timedelta(hours=i - count // 3)  # a third in the past
        base: dict[str, Any] = {
            "contact_id": contact,
            "created_at": now - timedelta(minutes=i),
            "updated_at": now,
        }
        if kind == "task":
            rows.append(
                {
                    **base,
                    "subject": f"Call back {i}",
                    "due_at": when,
                    "kind": "call",
                    "assigned_agent_id": agent_id,
                    "status": "open",
                }
            )
            continue
        if kind in ("draft", "failed"):
            rows.append(
                {
                    **base,
                    "agent_id": agent_id,
                    "direction": "outgoing",
                    "media": "email",
                    "subject": f"Bench {kind} {i}",
                    "recipient": "bench@example.com",
                    "state": "draft" if kind == "draft" else "completed",
                    "delivery": "failed" if kind == "failed" else None,
                }
            )
            continue
        row = {
            **base,
            "number": f"{PREFIX}{tag}{kind[:2].upper()}{i:06d}",
            "description": f"Bench {kind} {i}",
            "status": "open",
            # every tenth waits in the unit's queue
            "assigned_agent_id": None if queue and i % 10 == 0 else agent_id,
            "assigned_unit": UNIT,
        }
        if kind == "case":
            row["subject"] = f"Bench case {i}"
        elif kind == "activity":
            row.update(type="Installation", start_at=when)
        elif kind == "job":
            row.update(type="Visit", scheduled_at=when)
        elif kind == "service_request":
            row["type"] = "Fault"
        rows.append(row)
    return rows


def add_items(
    engine: Engine, agent_id: int, contacts: list[int], total: int, tag: str, *, queue: bool = True
) -> None:
    """Insert ``total`` open items for ``agent_id`` in the proportions of :data:`MIX` (with
    ``queue``, every tenth care record is the unit's, with no agent)."""
    with transaction(engine) as session:
        for kind, share in MIX.items():
            model = Communication if kind in ("draft", "failed") else MODELS[kind]
            rows = _rows(kind, agent_id, contacts, round(total * share), tag, queue)
            if rows:
                session.execute(insert(model), rows)


def remove_items(engine: Engine, agent_ids: list[int]) -> None:
    """Delete everything :func:`add_items` made for ``agent_ids``, and the agents."""
    with transaction(engine) as session:
        for model in MODELS.values():
            if model is Task:
                session.execute(delete(Task).where(col(Task.assigned_agent_id).in_(agent_ids)))
                continue
            session.execute(
                delete(model).where(
                    or_(model.number.startswith(PREFIX), model.assigned_agent_id.in_(agent_ids))
                )
            )
        session.execute(delete(Communication).where(col(Communication.agent_id).in_(agent_ids)))
        session.execute(delete(Agent).where(col(Agent.id).in_(agent_ids)))


@case("mywork.first_page", "My Work: counts and the first page of 50, agent with 5,000 items")
def first_page(ctx: BenchContext) -> Samples:
    with reading(ctx.engine) as session:
        contacts = [
            int(c)
            for c in session.execute(
                select(col(Communication.contact_id)).distinct().limit(500)
            ).scalars()
        ]
    if not contacts:
        raise RuntimeError("the database has no contacts with communications; seed it first")
    me, other = _agent(ctx.engine, "bench.mywork"), _agent(ctx.engine, "bench.mywork2")
    remove_items(ctx.engine, [me, other])
    me, other = _agent(ctx.engine, "bench.mywork"), _agent(ctx.engine, "bench.mywork2")
    try:
        add_items(ctx.engine, me, contacts, ITEMS, "A")
        add_items(ctx.engine, other, contacts, ITEMS, "B", queue=False)
        actor = Actor(agent_id=me, username="bench.mywork", role_name="agent", unit=UNIT)
        now = utcnow()
        found = my_work(ctx.engine, actor, now=now)
        counts = work_counts(ctx.engine, actor, now=now)
        if len(found.items) != 50 or counts.total != ITEMS:
            raise RuntimeError(
                f"expected 50 of {ITEMS} items, got {len(found.items)} of {counts.total}"
            )
        for _ in range(5):
            my_work(ctx.engine, actor, now=now)
        values = []
        for _ in range(ctx.repeat):
            started = time.perf_counter()
            work_counts(ctx.engine, actor, now=now)
            my_work(ctx.engine, actor, now=now)
            values.append((time.perf_counter() - started) * 1000)
        return Samples(values, {"items": counts.total, "overdue": counts.overdue})
    finally:
        remove_items(ctx.engine, [me, other])
