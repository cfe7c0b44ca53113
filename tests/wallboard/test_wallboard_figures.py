"""The Wallboard's figures from known rows, on SQLite and PostgreSQL: agents' states and today's
calls, AHT with capped after-call work, dispositions, media, outbox, care, the hourly trend, and
the PBX queue as written by join/leave/summary events (repeats change nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from commcentre_tui.models import Agent, AgentSession, Case, Communication, Contact, Task
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo import agent_state
from commcentre_tui.repo.wallboard import ACW_CAP_SECONDS, read_board
from commcentre_tui.widgets.wallboard_panels import agents_text, state_words

NOW = datetime(2026, 6, 10, 15, 30, tzinfo=UTC)  # a Wednesday


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return NOW.replace(hour=hour, minute=minute) - timedelta(days=days)


def call(
    agent: Agent,
    direction: str,
    hour: int,
    *,
    talk: int | None,
    acw: int | None,
    reason: str | None = None,
    days: int = 0,
) -> Communication:
    started = at(hour, days=days)
    completed = started + timedelta(seconds=(talk or 0) + acw) if acw is not None else None
    return Communication(
        contact_id=1,
        agent_id=agent.id,
        direction=direction,
        media="phone",
        state="completed" if completed else "draft",
        call_started_at=started,
        call_duration_seconds=talk,
        completed_at=completed,
        disposition_reason=reason,
        created_at=started,
    )


def test_the_figures_count_what_happened_today(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Contact(id=1, customer_number="C1", last_name="Kosta"))
        ana = Agent(username="ana", display_name="Ana Loizou", role="agent", unit="Care")
        bob = Agent(username="bob", display_name="Bob Pavlou", role="agent", unit="Care")
        session.add_all([ana, bob])
        session.flush()
        session.add_all(
            [
                call(ana, "incoming", 9, talk=120, acw=30, reason="Billing"),
                call(ana, "outgoing", 10, talk=60, acw=5000),  # ACW counted up to the cap
                Communication(
                    contact_id=1,
                    agent_id=ana.id,
                    direction="outgoing",
                    media="email",
                    state="completed",
                    delivery="sent",
                    created_at=at(11),
                ),
                call(
                    bob, "incoming", 14, talk=None, acw=None
                ),  # on the line: answered, not handled
                Communication(
                    contact_id=1,
                    agent_id=bob.id,
                    direction="outgoing",
                    media="sms",
                    state="completed",
                    delivery="failed",
                    created_at=at(14, 5),
                ),
                Communication(
                    contact_id=1,
                    agent_id=bob.id,
                    direction="incoming",
                    media="phone",
                    state="completed",
                    created_at=at(12),
                ),  # logged by hand
                call(bob, "incoming", 9, talk=100, acw=10, reason="Technical", days=1),  # yesterday
                call(bob, "incoming", 3, talk=100, acw=10, reason="Technical", days=7),  # last week
                Task(contact_id=1, subject="Call back", due_at=NOW - timedelta(hours=1)),
                Task(contact_id=1, subject="Later", due_at=NOW + timedelta(hours=1)),
                Case(contact_id=1, number="CS1", subject="Down", severity="major"),
                Case(contact_id=1, number="CS2", subject="Old", severity="major", status="closed"),
                AgentSession(
                    agent_id=ana.id, token="t-ana", expires_at=utcnow() + timedelta(days=400)
                ),
            ]
        )
        session.commit()
        ana_id = ana.id
    assert agent_state.set_state(engine, ana_id, "on_call", since=at(15, 20), detail="Maria\x1b[2J")
    assert not agent_state.set_state(engine, 999, "away")  # no live session: nothing to write

    board = read_board(engine, now=NOW)
    today = board.today
    assert (today.calls_in, today.calls_out, today.answered, today.handled) == (3, 1, 3, 2)
    assert today.aht_seconds == round((120 + 30 + 60 + ACW_CAP_SECONDS) / 2)
    assert today.acw_seconds == round((30 + ACW_CAP_SECONDS) / 2)
    assert today.dispositions == [("(none)", 1), ("Billing", 1)]
    assert today.media == {
        ("phone", "incoming"): 3,
        ("phone", "outgoing"): 1,
        ("email", "outgoing"): 1,
        ("sms", "outgoing"): 1,
    }
    assert (today.outbox_sent, today.outbox_failed, today.outbox_queued) == (1, 1, 0)
    assert today.overdue_tasks == 1 and today.open_cases == {"major": 1}

    ana_row, bob_row = board.agents
    assert (ana_row.name, ana_row.state, ana_row.handled, ana_row.logged) == (
        "Ana Loizou",
        "on_call",
        2,
        3,
    )
    assert ana_row.aht_seconds == today.aht_seconds and ana_row.since == at(15, 20)
    assert state_words(ana_row, NOW) == "on a call with Maria\\x1b[2J"  # inert, never an escape
    assert (bob_row.state, bob_row.handled, bob_row.logged) == ("signed_out", 0, 3)
    assert "signed out" in str(agents_text(board, UTC))

    trend = board.trend
    assert (trend.calls[9], trend.calls[10], trend.calls[12], trend.calls[14]) == (1, 1, 1, 1)
    assert sum(trend.calls) == 4 and sum(trend.comms) == 6
    assert trend.calls_last_week[3] == 1 and sum(trend.comms_last_week) == 1


def test_queue_events_keep_the_waiting_calls(engine: Engine) -> None:
    t0 = utcnow() - timedelta(seconds=90)
    agent_state.queue_join(engine, "support", "c-1", "99000001", t0)
    agent_state.queue_join(engine, "support", "c-1", "99000001", t0)  # a second console repeats it
    agent_state.queue_join(engine, "support", "c-2", "99000002", t0 + timedelta(seconds=60))
    agent_state.queue_summary(engine, "sales", waiting=3, longest_seconds=42)
    board = read_board(engine)
    assert [(q.queue, q.waiting) for q in board.queues] == [("sales", 3), ("support", 2)]
    assert board.queues[1].longest_since == t0
    agent_state.queue_leave(engine, "support", "c-1")
    agent_state.queue_leave(engine, "support", "c-1")
    support = read_board(engine).queues[1]
    assert (support.waiting, support.longest_since) == (1, t0 + timedelta(seconds=60))
