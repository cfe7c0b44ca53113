"""Rewards: award, spend, and cancel (never edit) transactions."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from commcentre_tui.errors import RuleViolation, ValidationFailed
from commcentre_tui.repo import voucher_reward_queries as vrq
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.rewards import award_points, cancel_reward_transaction, spend_points

from . import factories as f


def _participant(engine: Engine) -> int:
    acc = f.account(engine)
    return f.participant(engine, acc.contact_id, acc.id).id


def _points(engine: Engine, contact_id: int) -> int:
    [p] = vrq.participants_of_contact(engine, contact_id)
    return p.points


def test_cancelling_a_spend_gives_the_points_back_and_stays_listed(
    ctx: ServiceContext, engine: Engine
) -> None:
    pid = _participant(engine)
    award = award_points(ctx, {"participant_id": pid, "points": 100, "reason": "Welcome"})
    spend = spend_points(ctx, {"participant_id": pid, "points": 30, "reason": "Movie"})
    assert (award.participant_points, spend.participant_points) == (100, 70)

    result = cancel_reward_transaction(
        ctx, {"kind": "spend", "transaction_id": spend.transaction_id, "reason": "Refunded"}
    )
    assert (result.state, result.participant_points) == ("cancelled", 100)
    assert "30 points given back to TR" in result.message and result.message.endswith(
        "who now has 100."
    )
    rows = vrq.reward_transactions(engine, pid)
    assert [(r.kind, r.points, r.state) for r in rows] == [
        ("spend", -30, "cancelled"),
        ("award", 100, "posted"),
    ]
    assert rows[0].cancelled_at is not None and rows[0].reason == "Movie [cancelled: Refunded]"
    [entry] = f.audit_entries(engine, "Cancel Spend")
    assert (entry.before["state"], entry.after["state"]) == ("posted", "cancelled")
    assert (entry.before["participant_points"], entry.after["participant_points"]) == (70, 100)


def test_cancelling_an_award_takes_its_points_back(ctx: ServiceContext, engine: Engine) -> None:
    pid = _participant(engine)
    award = award_points(ctx, {"participant_id": pid, "points": 50})
    result = cancel_reward_transaction(
        ctx, {"kind": "award", "transaction_id": award.transaction_id}
    )
    assert result.participant_points == 0


def test_cancelling_twice_is_refused(ctx: ServiceContext, engine: Engine) -> None:
    pid = _participant(engine)
    award = award_points(ctx, {"participant_id": pid, "points": 50})
    cancel_reward_transaction(ctx, {"kind": "award", "transaction_id": award.transaction_id})
    with pytest.raises(RuleViolation, match="This award transaction was already cancelled on "):
        cancel_reward_transaction(ctx, {"kind": "award", "transaction_id": award.transaction_id})
    with f.reading(engine) as s:
        assert f.participant_ledger_points(s, pid) == 0


def test_spent_points_cannot_be_taken_back(ctx: ServiceContext, engine: Engine) -> None:
    pid = _participant(engine)
    award = award_points(ctx, {"participant_id": pid, "points": 50})
    spend_points(ctx, {"participant_id": pid, "points": 40})
    with pytest.raises(RuleViolation, match="who has only 10; cancel the spend transactions"):
        cancel_reward_transaction(ctx, {"kind": "award", "transaction_id": award.transaction_id})
    with pytest.raises(RuleViolation, match="has 10 points, fewer than the 11 to spend"):
        spend_points(ctx, {"participant_id": pid, "points": 11})


def test_reward_input_is_checked(ctx: ServiceContext, engine: Engine) -> None:
    with pytest.raises(ValidationFailed) as err:
        cancel_reward_transaction(ctx, {"kind": "refund", "transaction_id": 1})
    assert err.value.field == "kind"
    with pytest.raises(ValidationFailed) as err:
        award_points(ctx, {"participant_id": 1, "points": 0})
    assert str(err.value) == "Points must be more than 0."
