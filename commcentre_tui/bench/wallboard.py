"""``wallboard.refresh``: one Wallboard read (:func:`~commcentre_tui.repo.wallboard.read_board`).

The case adds a busy day on top of the seeded database: :data:`AGENTS` bench agents (unit
"Bench"), each signed in (a live session with a call state) and with :data:`CALLS_PER_AGENT`
completed calls with dispositions plus half as many emails and SMS today, and the same on the
same weekday last week (the trend's comparison), then times the refresh's database time. What it
added is removed afterwards. Goal: p95 ≤ 100 ms on both databases.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import col

from commcentre_tui.bench.registry import BenchContext, Samples, case
from commcentre_tui.models import Agent, AgentSession, Communication
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.wallboard import day_bounds, read_board

AGENTS = 200
CALLS_PER_AGENT = 60
PREFIX = "bench.wall."
REASONS = ("Billing", "Technical", "Sales", "Complaint", None)
STATES = ("available", "on_call", "wrap_up", "ringing", "away")


def _add(engine: Any, contacts: list[int]) -> list[int]:
    now = utcnow()
    start, _end = day_bounds(now)
    seconds_today = max(60, int((now - start).total_seconds()) - 60)
    with transaction(engine) as session:
        session.execute(
            insert(Agent),
            [
                {
                    "username": f"{PREFIX}{i}",
                    "display_name": f"Bench Agent {i}",
                    "unit": "Bench",
                    "role": "agent",
                    "active": True,
                    "created_at": now,
                    "version": 1,
                }
                for i in range(AGENTS)
            ],
        )
        ids = [
            int(i)
            for i in session.execute(
                select(col(Agent.id)).where(col(Agent.username).startswith(PREFIX))
            ).scalars()
        ]
        session.execute(
            insert(AgentSession),
            [
                {
                    "agent_id": a,
                    "token": f"{PREFIX}{a}",
                    "started_at": now,
                    "heartbeat_at": now,
                    "expires_at": now + timedelta(hours=1),
                    "state": STATES[n % len(STATES)],
                    "state_since": now,
                    "state_detail": "+35799000000",
                }
                for n, a in enumerate(ids)
            ],
        )
        for days in (0, 7):
            rows = []
            for n, agent_id in enumerate(ids):
                for k in range(CALLS_PER_AGENT + CALLS_PER_AGENT // 2):
                    at = (
                        start
                        - timedelta(days=days)
                        + timedelta(seconds=(n * 7919 + k * 104729) % seconds_today)
                    )
                    phone = k < CALLS_PER_AGENT
                    rows.append(
                        {
                            "contact_id": contacts[(n + k) % len(contacts)],
                            "agent_id": agent_id,
                            "direction": "incoming" if k % 3 else "outgoing",
                            "media": "phone" if phone else ("email" if k % 2 else "sms"),
                            "category": "General",
                            "subject": "bench",
                            "content": "",
                            "recipient": "",
                            "state": "completed",
                            "delivery": None if phone else "sent",
                            "attempts": 0,
                            "shared_notes": "",
                            "visibility": "public",
                            "call_started_at": at if phone else None,
                            "call_duration_seconds": 60 + k % 300 if phone else None,
                            "disposition_reason": REASONS[k % len(REASONS)] if phone else None,
                            "created_at": at,
                            "completed_at": at + timedelta(seconds=400),
                            "version": 1,
                        }
                    )
            session.execute(insert(Communication), rows)
    return ids


def _remove(engine: Any) -> None:
    with transaction(engine) as session:
        ids = select(col(Agent.id)).where(col(Agent.username).startswith(PREFIX))
        session.execute(delete(Communication).where(col(Communication.agent_id).in_(ids)))
        session.execute(delete(AgentSession).where(col(AgentSession.agent_id).in_(ids)))
        session.execute(delete(Agent).where(col(Agent.username).startswith(PREFIX)))


@case("wallboard.refresh", "Wallboard: one refresh, 200 agents signed in with a busy day")
def refresh(ctx: BenchContext) -> Samples:
    with reading(ctx.engine) as session:
        contacts = [
            int(c)
            for c in session.execute(
                select(col(Communication.contact_id)).distinct().limit(500)
            ).scalars()
        ]
    if not contacts:
        raise RuntimeError("the database has no contacts with communications; seed it first")
    _remove(ctx.engine)
    try:
        _add(ctx.engine, contacts)
        board = read_board(ctx.engine)
        signed_in = sum(1 for a in board.agents if a.state != "signed_out")
        if signed_in < AGENTS or board.today.handled < AGENTS * CALLS_PER_AGENT:
            raise RuntimeError(
                f"expected {AGENTS} agents signed in with "
                f"{AGENTS * CALLS_PER_AGENT} calls, got {signed_in} and "
                f"{board.today.handled}"
            )
        past: dict[Any, Any] = {}  # as the screen keeps it between refreshes
        for _ in range(3):
            read_board(ctx.engine, past=past)
        values = []
        for _ in range(ctx.repeat):
            started = time.perf_counter()
            read_board(ctx.engine, past=past)
            values.append((time.perf_counter() - started) * 1000)
        return Samples(
            values,
            {
                "agents": len(board.agents),
                "calls_today": board.today.handled,
                "communications_today": sum(board.today.media.values()),
            },
        )
    finally:
        _remove(ctx.engine)
