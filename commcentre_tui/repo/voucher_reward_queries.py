"""Reads for vouchers and reward participants (voucher views never hold the secret number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from commcentre_tui.models import (
    RewardAwardTransaction,
    RewardParticipant,
    RewardSpendTransaction,
    Voucher,
)
from commcentre_tui.repo.db import reading


@dataclass(frozen=True)
class VoucherView:
    """What any agent may see of a voucher: everything except its secret number."""

    id: int
    serial: str
    value: Decimal
    currency: str
    state: str
    account_id: int | None
    paid_from: str | None
    used_by_account_id: int | None
    sold_at: datetime | None
    used_at: datetime | None
    cancelled_at: datetime | None


@dataclass(frozen=True)
class RewardRow:
    """An award (+points) or spend (−points) transaction, cancelled ones included."""

    kind: str
    id: int
    participant_id: int
    points: int
    reason: str
    state: str
    created_at: datetime
    cancelled_at: datetime | None


# --- accounts and wallets ---------------------------------------------------------------------


def _voucher_view(v: Voucher) -> VoucherView:
    assert v.id is not None
    return VoucherView(
        v.id,
        v.serial,
        v.value,
        v.currency,
        v.state,
        v.account_id,
        v.paid_from,
        v.used_by_account_id,
        v.sold_at,
        v.used_at,
        v.cancelled_at,
    )


def vouchers_of_account(engine: Engine, account_id: int) -> list[VoucherView]:
    """Vouchers the account bought or used, newest first (without secrets)."""
    with reading(engine) as s:
        rows = s.execute(
            select(Voucher)
            .where(
                (col(Voucher.account_id) == account_id)
                | (col(Voucher.used_by_account_id) == account_id)
            )
            .order_by(col(Voucher.id).desc())
        ).scalars()
        return [_voucher_view(v) for v in rows]


def voucher_by_serial(engine: Engine, serial: str) -> VoucherView | None:
    """A voucher by serial (without its secret), or ``None``."""
    with reading(engine) as s:
        v = s.execute(
            select(Voucher).where(col(Voucher.serial) == serial.strip())
        ).scalar_one_or_none()
        return _voucher_view(v) if v else None


def participants_of_contact(engine: Engine, contact_id: int) -> list[RewardParticipant]:
    """The contact's reward participations."""
    with reading(engine) as s:
        return list(
            s.execute(
                select(RewardParticipant)
                .where(col(RewardParticipant.contact_id) == contact_id)
                .order_by(col(RewardParticipant.id))
            ).scalars()
        )


def reward_transactions(engine: Engine, participant_id: int) -> list[RewardRow]:
    """Award and spend transactions of a participant, newest first, cancelled ones included."""
    with reading(engine) as s:
        rows = [
            RewardRow(
                "award",
                t.id,
                t.participant_id,
                t.points,
                t.reason,
                t.state,
                t.created_at,
                t.cancelled_at,
            )
            for t in s.execute(
                select(RewardAwardTransaction).where(
                    col(RewardAwardTransaction.participant_id) == participant_id
                )
            ).scalars()
        ]
        rows += [
            RewardRow(
                "spend",
                t.id,
                t.participant_id,
                -t.points,
                t.reason,
                t.state,
                t.created_at,
                t.cancelled_at,
            )
            for t in s.execute(
                select(RewardSpendTransaction).where(
                    col(RewardSpendTransaction.participant_id) == participant_id
                )
            ).scalars()
        ]
    rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return rows


def participant_ledger_points(session: Session, participant_id: int) -> int:
    """Posted awards − posted spends: what the participant's points must equal."""
    awarded = session.execute(
        select(func.sum(col(RewardAwardTransaction.points))).where(
            col(RewardAwardTransaction.participant_id) == participant_id,
            col(RewardAwardTransaction.state) == "posted",
        )
    ).scalar_one()
    spent = session.execute(
        select(func.sum(col(RewardSpendTransaction.points))).where(
            col(RewardSpendTransaction.participant_id) == participant_id,
            col(RewardSpendTransaction.state) == "posted",
        )
    ).scalar_one()
    return int(awarded or 0) - int(spent or 0)
