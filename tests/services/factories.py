"""Small factories and book checks for the finance service tests (ORM rows, no demo seeder)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from commcentre_tui import models as m
from commcentre_tui.config import Settings
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.finance_queries import ledger_balance, wallet_ledger_balance
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.voucher_reward_queries import participant_ledger_points
from commcentre_tui.services.context import ServiceContext

D = Decimal
_serial = itertools.count(1)

#: The test catalogue: code → (name, kind, monthly price).
CATALOGUE = {
    "TV": ("TV Basic", "recurring", D("31.00")),
    "NET": ("Internet 100", "recurring", D("20.00")),
    "PHONE": ("Home Phone", "recurring", D("9.99")),
    "HALF": ("Odd Cents", "recurring", D("10.25")),
    "INSTALL": ("Installation", "one_time", D("50.00")),
    "OLD": ("Retired Plan", "recurring", D("5.00")),
}


def add(engine: Engine, row: SQLModel) -> Any:
    """Insert ``row`` in its own transaction and return it (with its id)."""
    with transaction(engine) as session:
        session.add(row)
        session.flush()
    return row


def contact(engine: Engine, first: str = "Maria", last: str = "Georgiou") -> m.Contact:
    n = next(_serial)
    return add(engine, m.Contact(customer_number=f"T{n:07d}", first_name=first, last_name=last))


def products(engine: Engine) -> dict[str, int]:
    """The test catalogue; returns code → product id."""
    ids: dict[str, int] = {}
    with transaction(engine) as session:
        for code, (name, kind, price) in CATALOGUE.items():
            row = session.execute(
                select(m.Product).where(m.Product.code == code)
            ).scalar_one_or_none()
            if row is None:
                row = m.Product(code=code, name=name, kind=kind, price=price, active=code != "OLD")
                session.add(row)
                session.flush()
            ids[code] = row.id  # type: ignore[assignment]
    return ids


def account(
    engine: Engine,
    contact_id: int | None = None,
    *,
    currency: str = "EUR",
    terms: int = 30,
    wallet: bool = True,
) -> m.Account:
    """An account (and its empty wallet) straight through the ORM."""
    if contact_id is None:
        contact_id = contact(engine).id
    n = next(_serial)
    acc = add(
        engine,
        m.Account(
            contact_id=contact_id, number=f"TA{n:07d}", currency=currency, payment_terms_days=terms
        ),
    )
    if wallet:
        add(engine, m.Wallet(account_id=acc.id, currency=currency))
    return acc


def stock_voucher(
    engine: Engine, value: str = "10.00", *, secret: str = "1234567890123456", currency: str = "EUR"
) -> m.Voucher:
    n = next(_serial)
    return add(
        engine,
        m.Voucher(serial=f"STK{n:06d}", secret_number=secret, value=D(value), currency=currency),
    )


def participant(
    engine: Engine, contact_id: int, account_id: int | None = None
) -> m.RewardParticipant:
    n = next(_serial)
    return add(
        engine,
        m.RewardParticipant(contact_id=contact_id, account_id=account_id, number=f"TR{n:06d}"),
    )


def actor(engine: Engine, settings: Settings, role: str) -> Actor:
    """A real agent with ``role`` (a name in settings.roles)."""
    n = next(_serial)
    agent = add(engine, m.Agent(username=f"{role}{n}", display_name=role.title(), role=role))
    return Actor(
        agent_id=agent.id,
        username=agent.username,
        role_name=role,
        role=settings.roles[role],
        display_name=agent.display_name,
    )


def with_billing(settings: Settings, **values: Any) -> Settings:
    """A copy of ``settings`` with ``[billing]`` keys replaced."""
    return settings.model_copy(update={"billing": settings.billing.model_copy(update=values)})


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, plus every number series' next value (what "writes nothing" compares)."""
    with reading(engine) as session:
        counts = {
            t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }
        for name, value in session.execute(
            select(m.NumberSequence.name, m.NumberSequence.next_value)
        ):
            counts[f"seq:{name}"] = value
    return counts


def audit_entries(engine: Engine, action: str) -> list[m.AuditEntry]:
    with reading(engine) as session:
        return list(
            session.execute(
                select(m.AuditEntry).where(m.AuditEntry.action == action).order_by(m.AuditEntry.id)
            ).scalars()
        )


def balance(engine: Engine, account_id: int) -> Decimal:
    with reading(engine) as session:
        acc = session.get(m.Account, account_id)
        assert acc is not None
        return acc.balance


def wallet_balance(engine: Engine, account_id: int) -> Decimal:
    with reading(engine) as session:
        w = (
            session.execute(
                select(m.Wallet).where(m.Wallet.account_id == account_id).order_by(m.Wallet.id)
            )
            .scalars()
            .first()
        )
        return w.balance if w else D("0.00")


def assert_books(engine: Engine, account_id: int) -> None:
    """The invariants: ledger = balance, wallets = their transactions, bills = their payments."""
    with reading(engine) as session:
        acc = session.get(m.Account, account_id)
        assert acc is not None
        assert acc.balance == ledger_balance(session, account_id), "account balance ≠ ledger"
        for w in session.execute(
            select(m.Wallet).where(m.Wallet.account_id == account_id)
        ).scalars():
            assert w.balance == wallet_ledger_balance(session, w.id), (
                "wallet balance ≠ its transactions"
            )
            assert w.balance >= 0
        for bill in session.execute(
            select(m.Bill).where(m.Bill.account_id == account_id)
        ).scalars():
            paid = session.execute(
                select(func.sum(m.Payment.amount)).where(m.Payment.bill_id == bill.id)
            ).scalar_one() or D("0.00")
            assert bill.paid_amount == paid
            assert bill.amount == bill.subtotal + bill.tax
            assert D("0.00") <= bill.paid_amount <= bill.amount
            expected = (
                "paid"
                if bill.paid_amount == bill.amount
                else "partly_paid"
                if bill.paid_amount > 0
                else "unpaid"
            )
            assert bill.status == expected, (bill.number, bill.status, expected)
        for p in session.execute(
            select(m.RewardParticipant).where(m.RewardParticipant.account_id == account_id)
        ).scalars():
            assert p.points == participant_ledger_points(session, p.id)


def ctx_for(engine: Engine, settings: Settings, actor_: Actor) -> ServiceContext:
    return ServiceContext(engine=engine, settings=settings, actor=actor_)


JAN1 = date(2025, 1, 1)


def race(*calls: Any) -> list[Any]:
    """Run the zero-argument ``calls`` in threads released together by a barrier.

    Returns each call's result or the exception it raised, in call order.
    """
    import threading

    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int, call: Any) -> None:
        barrier.wait()
        try:
            out[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out
