"""In-transaction helpers for the finance services: row locks, SQL-side balance moves, numbers.

Every function takes the caller's ``Session`` (one unit of work opened with
:func:`commcentre_tui.repo.db.transaction`). Balances only ever move by ``SET balance = balance
+ :delta`` inside an ``UPDATE`` (never read-modify-write in Python), so two agents posting
payments to one account at the same moment cannot lose an update. Rows that a rule reads before
it writes (a bill being paid, a voucher being used) are locked with ``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite a writing transaction starts with ``BEGIN IMMEDIATE`` and so already holds
the database's single write lock.

Lock order (to stay deadlock-free on PostgreSQL): the business row (bill, subscription, voucher,
reward transaction) first, then the account, then business numbers (``number_sequence`` rows),
then the wallet or participant. Locks are ``FOR NO KEY UPDATE``: they serialize our writers but
do not block the key-share locks that foreign-key checks take when a child row (invoice,
payment, bill) is inserted — a plain ``FOR UPDATE`` on the account would.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, SQLModel, col

from commcentre_tui.errors import NotFound
from commcentre_tui.models import (
    Account,
    Bill,
    Product,
    RewardParticipant,
    SubscriptionEvent,
    SubscriptionService,
    Wallet,
)
from commcentre_tui.repo.numbers import next_number

T = TypeVar("T", bound=SQLModel)

#: Subscription events that switch billing off and on (their ``effective_date`` matters).
SUSPEND = "Suspend"
RESUME = "Resume"


def lock(session: Session, model: type[T], record_id: int, *, what: str) -> T:
    """``model`` row ``record_id``, locked for this transaction; :class:`NotFound` if absent."""
    row: T | None = session.execute(
        select(model)
        .where(model.id == record_id)  # type: ignore[attr-defined]  # every model passed here has an id column
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"There is no {what} with id {record_id}.")
    return row


def lock_by(session: Session, column: InstrumentedAttribute[Any], value: Any) -> Any | None:
    """The row whose ``column`` equals ``value``, locked for this transaction, or ``None``."""
    model = column.class_
    return session.execute(
        select(model)
        .where(column == value)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def add_to_balance(session: Session, account_id: int, delta: Decimal) -> Decimal:
    """Move the account balance by ``delta`` in SQL; returns the new balance."""
    new = session.execute(
        update(Account)
        .where(col(Account.id) == account_id)
        .values(balance=col(Account.balance) + delta)
        .returning(col(Account.balance))
    ).scalar_one_or_none()
    if new is None:
        raise NotFound(f"There is no account with id {account_id}.")
    return Decimal(new)


def add_to_wallet(session: Session, wallet_id: int, delta: Decimal) -> Decimal | None:
    """Move the wallet balance by ``delta`` unless it would go below zero.

    Returns the new balance, or ``None`` when the wallet holds less than ``-delta`` (the check
    and the change are one statement, so two debits cannot both pass on the same money).
    """
    new = session.execute(
        update(Wallet)
        .where(col(Wallet.id) == wallet_id, col(Wallet.balance) + delta >= 0)
        .values(balance=col(Wallet.balance) + delta, version=col(Wallet.version) + 1)
        .returning(col(Wallet.balance))
    ).scalar_one_or_none()
    return None if new is None else Decimal(new)


def add_points(session: Session, participant_id: int, delta: int) -> int | None:
    """Move a reward participant's points by ``delta`` unless they would go below zero."""
    new = session.execute(
        update(RewardParticipant)
        .where(
            col(RewardParticipant.id) == participant_id, col(RewardParticipant.points) + delta >= 0
        )
        .values(
            points=col(RewardParticipant.points) + delta, version=col(RewardParticipant.version) + 1
        )
        .returning(col(RewardParticipant.points))
    ).scalar_one_or_none()
    return None if new is None else int(new)


def current_points(session: Session, participant_id: int) -> int:
    """A participant's points as committed now."""
    return int(
        session.execute(
            select(col(RewardParticipant.points)).where(col(RewardParticipant.id) == participant_id)
        ).scalar_one()
    )


def wallet_of(session: Session, account_id: int) -> Wallet | None:
    """The account's wallet (its first one), or ``None``."""
    return session.execute(
        select(Wallet)
        .where(col(Wallet.account_id) == account_id)
        .order_by(col(Wallet.id))
        .limit(1)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def ensure_wallet(session: Session, account: Account) -> Wallet:
    """The account's wallet, opened (empty, in the account's currency) if it has none.

    The caller holds the account row lock, so two transactions cannot both open one.
    """
    wallet = wallet_of(session, account.id)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
    if wallet is None:
        wallet = Wallet(account_id=account.id, currency=account.currency)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        session.add(wallet)
        session.flush()
    return wallet


def unused_number(session: Session, series: str, column: InstrumentedAttribute[str]) -> str:
    """The next number of ``series`` that no row has in ``column`` (skips hand-typed ones)."""
    while True:
        number = next_number(session, series)
        if session.execute(select(column).where(column == number)).first() is None:
            return number


def exists(session: Session, column: InstrumentedAttribute[Any], value: Any) -> bool:
    """Whether any row has ``value`` in ``column``."""
    return session.execute(select(column).where(column == value).limit(1)).first() is not None


def services_for_billing(
    session: Session, subscription_id: int
) -> list[tuple[SubscriptionService, Product]]:
    """Every service ever on the subscription with its product, oldest first."""
    rows = session.execute(
        select(SubscriptionService, Product)
        .join(Product, col(Product.id) == col(SubscriptionService.product_id))
        .where(col(SubscriptionService.subscription_id) == subscription_id)
        .order_by(col(SubscriptionService.id))
    ).all()
    return [(svc, product) for svc, product in rows]


def suspension_changes(session: Session, subscription_id: int) -> list[tuple[date, bool]]:
    """``(effective_date, suspended?)`` for each suspend/resume, in effect order."""
    rows = session.execute(
        select(col(SubscriptionEvent.effective_date), col(SubscriptionEvent.action))
        .where(
            col(SubscriptionEvent.subscription_id) == subscription_id,
            col(SubscriptionEvent.action).in_((SUSPEND, RESUME)),
        )
        .order_by(col(SubscriptionEvent.effective_date), col(SubscriptionEvent.id))
    ).all()
    return [(day, action == SUSPEND) for day, action in rows if day is not None]


def latest_unpaid_bill_id(session: Session, account_id: int) -> int | None:
    """The account's latest unpaid or partly paid bill (by bill date, then id), or ``None``."""
    bill_id = session.execute(
        select(col(Bill.id))
        .where(col(Bill.account_id) == account_id, col(Bill.status).in_(("unpaid", "partly_paid")))
        .order_by(col(Bill.bill_date).desc(), col(Bill.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if bill_id is None else int(bill_id)


def find_by(session: Session, column: InstrumentedAttribute[Any], value: Any) -> Any | None:
    """The row whose ``column`` equals ``value`` (no lock), or ``None``."""
    return session.execute(select(column.class_).where(column == value)).scalar_one_or_none()


def products_by_id(session: Session, product_ids: list[int]) -> dict[int, Product]:
    """The catalogue products with these ids (missing ids are simply absent)."""
    rows = session.execute(select(Product).where(col(Product.id).in_(product_ids))).scalars().all()
    return {p.id: p for p in rows if p.id is not None}


def active_product_ids(session: Session, subscription_id: int, on: date) -> set[int]:
    """Products on the subscription that are (or will be) active on ``on`` or later."""
    rows = session.execute(
        select(col(SubscriptionService.product_id), col(SubscriptionService.end_date)).where(
            col(SubscriptionService.subscription_id) == subscription_id
        )
    ).all()
    return {pid for pid, end in rows if end is None or end >= on}
