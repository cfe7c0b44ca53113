"""Rewards: award and spend points; cancel a transaction (they are never edited).

Invariant: a participant's ``points`` = posted awards − posted spends. Cancelling an award takes
its points back (refused if the participant has already spent them: cancel the spend first);
cancelling a spend gives its points back. A cancelled transaction stays listed, marked
``cancelled``; cancelling it again is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from sqlmodel import Session

from commcentre_tui.errors import RuleViolation, ValidationFailed
from commcentre_tui.models import (
    RewardAwardTransaction,
    RewardParticipant,
    RewardSpendTransaction,
    utcnow,
)
from commcentre_tui.repo.audit import record, snapshot
from commcentre_tui.repo.billing_queries import add_points, current_points, lock
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.money import FormInput
from commcentre_tui.validation import parse_input

MAX_POINTS = 1_000_000_000
FIELDS = ("participant_id", "points", "reason", "state", "cancelled_at")


class PointsInput(FormInput):
    """Award or spend points for a participant."""

    participant_id: int = Field(title="Participant", gt=0)
    points: int = Field(title="Points", gt=0, le=MAX_POINTS)
    reason: str = Field(default="", title="Reason", max_length=200)


class CancelRewardInput(FormInput):
    """Cancel an award or spend transaction."""

    kind: Literal["award", "spend"] = Field(title="Transaction type")
    transaction_id: int = Field(title="Transaction", gt=0)
    reason: str = Field(default="", title="Reason", max_length=200)


@dataclass(frozen=True)
class RewardResult:
    """The transaction after the action and the participant's points."""

    kind: str
    transaction_id: int
    participant_id: int
    points: int
    state: str
    participant_points: int
    message: str


def _participant(session: Session, participant_id: int) -> RewardParticipant:
    participant = session.get(RewardParticipant, participant_id)
    if participant is None:
        raise ValidationFailed(
            f"There is no reward participant {participant_id}.", "participant_id"
        )
    return participant


def award_points(ctx: ServiceContext, data: PointsInput | Mapping[str, Any]) -> RewardResult:
    """Post an award transaction: the participant gains the points."""
    inp = parse_input(PointsInput, data)
    enforce(ctx.engine, ctx.actor, entity="reward", level="edit")
    with transaction(ctx.engine) as session:
        participant = _participant(session, inp.participant_id)
        txn = RewardAwardTransaction(
            participant_id=inp.participant_id,
            points=inp.points,
            reason=inp.reason,
            agent_id=ctx.actor.agent_id,
        )
        session.add(txn)
        session.flush()
        total = add_points(session, inp.participant_id, inp.points)
        assert total is not None and txn.id is not None
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action="Award Points",
            entity="reward_award_transaction",
            entity_id=txn.id,
            after={**(snapshot(txn, FIELDS) or {}), "participant_points": total},
        )
        return RewardResult(
            "award",
            txn.id,
            inp.participant_id,
            inp.points,
            txn.state,
            total,
            f"{inp.points} points awarded to {participant.number}; they now have {total}.",
        )


def spend_points(ctx: ServiceContext, data: PointsInput | Mapping[str, Any]) -> RewardResult:
    """Post a spend transaction; refused when the participant has fewer points."""
    inp = parse_input(PointsInput, data)
    enforce(ctx.engine, ctx.actor, entity="reward", level="edit")
    with transaction(ctx.engine) as session:
        participant = _participant(session, inp.participant_id)
        total = add_points(session, inp.participant_id, -inp.points)
        if total is None:
            have = current_points(session, inp.participant_id)
            raise RuleViolation(
                f"{participant.number} has {have} points, fewer than the {inp.points} to spend."
            )
        txn = RewardSpendTransaction(
            participant_id=inp.participant_id,
            points=inp.points,
            reason=inp.reason,
            agent_id=ctx.actor.agent_id,
        )
        session.add(txn)
        session.flush()
        assert txn.id is not None
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action="Spend Points",
            entity="reward_spend_transaction",
            entity_id=txn.id,
            after={**(snapshot(txn, FIELDS) or {}), "participant_points": total},
        )
        return RewardResult(
            "spend",
            txn.id,
            inp.participant_id,
            inp.points,
            txn.state,
            total,
            f"{inp.points} points spent by {participant.number}; {total} left.",
        )


def cancel_reward_transaction(
    ctx: ServiceContext, data: CancelRewardInput | Mapping[str, Any]
) -> RewardResult:
    """Cancel an award (points taken back) or a spend (points given back); never twice."""
    inp = parse_input(CancelRewardInput, data)
    enforce(ctx.engine, ctx.actor, entity="reward", level="edit")
    model: type[RewardAwardTransaction] | type[RewardSpendTransaction] = (
        RewardAwardTransaction if inp.kind == "award" else RewardSpendTransaction
    )
    with transaction(ctx.engine) as session:
        txn = lock(session, model, inp.transaction_id, what=f"{inp.kind} transaction")
        if txn.state == "cancelled":
            raise RuleViolation(
                f"This {inp.kind} transaction was already cancelled on {txn.cancelled_at:%Y-%m-%d}."
            )
        participant = _participant(session, txn.participant_id)
        delta = -txn.points if inp.kind == "award" else txn.points
        total = add_points(session, txn.participant_id, delta)
        if total is None:
            have = current_points(session, txn.participant_id)
            raise RuleViolation(
                f"Cancelling this award would take {txn.points} points from {participant.number}, "
                f"who has only {have}; cancel the spend transactions that used them first."
            )
        before = snapshot(txn, FIELDS)
        txn.state = "cancelled"
        txn.cancelled_at = utcnow()
        if inp.reason:
            txn.reason = f"{txn.reason} [cancelled: {inp.reason}]"[:200]
        session.add(txn)
        session.flush()
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=f"Cancel {inp.kind.capitalize()}",
            entity=model.__tablename__,
            entity_id=txn.id,
            before={**(before or {}), "participant_points": total - delta},
            after={**(snapshot(txn, FIELDS) or {}), "participant_points": total},
        )
        assert txn.id is not None
        moved = "taken back from" if inp.kind == "award" else "given back to"
        return RewardResult(
            inp.kind,
            txn.id,
            txn.participant_id,
            txn.points,
            txn.state,
            total,
            f"{inp.kind.capitalize()} of {txn.points} points cancelled; {txn.points} "
            f"points {moved} {participant.number}, who now has {total}.",
        )
