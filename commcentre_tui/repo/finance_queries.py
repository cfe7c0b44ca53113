"""Reads for the Financials, Subscriptions and Rewards tabs and the finance forms.

Each function opens its own short read session. Voucher secret numbers are never returned here
(only :func:`commcentre_tui.services.voucher_secret.retrieve_voucher_secret` reveals one, audited).
:func:`ledger_balance` and :func:`wallet_ledger_balance` recompute balances from the ledger rows:
the books add up when they equal the stored balances (see ``docs/finance.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, func, select
from sqlmodel import Session, col

from commcentre_tui.errors import NotFound
from commcentre_tui.models import (
    Account,
    Bill,
    BillLine,
    Credit,
    Invoice,
    Payment,
    Product,
    Subscription,
    SubscriptionEvent,
    SubscriptionService,
    Wallet,
    WalletTransaction,
)
from commcentre_tui.repo.db import reading

ZERO = Decimal("0.00")
UNPAID = ("unpaid", "partly_paid")


@dataclass(frozen=True)
class BillView:
    """A bill with its lines and the account it is on."""

    bill: Bill
    lines: list[BillLine]
    account: Account
    subscription_number: str | None

    @property
    def outstanding(self) -> Decimal:
        return self.bill.amount - self.bill.paid_amount


@dataclass(frozen=True)
class ServiceRow:
    """A subscription service with its catalogue product."""

    service: SubscriptionService
    product: Product


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription, its services (active and removed) and its history, newest event first."""

    subscription: Subscription
    account: Account
    services: list[ServiceRow]
    events: list[SubscriptionEvent] = field(default_factory=list)

    @property
    def active_services(self) -> list[ServiceRow]:
        return [row for row in self.services if row.service.status == "active"]


@dataclass(frozen=True)
class LedgerRow:
    """One row of an account's financial transactions; ``amount`` > 0 raises the balance."""

    kind: str
    id: int
    number: str
    at: date
    description: str
    amount: Decimal


def accounts_of_contact(engine: Engine, contact_id: int) -> list[Account]:
    """The contact's accounts, oldest first."""
    with reading(engine) as s:
        return list(
            s.execute(
                select(Account)
                .where(col(Account.contact_id) == contact_id)
                .order_by(col(Account.id))
            ).scalars()
        )


def get_account(engine: Engine, account_id: int) -> Account:
    """One account; :class:`NotFound` when it does not exist."""
    with reading(engine) as s:
        account = s.get(Account, account_id)
    if account is None:
        raise NotFound(f"There is no account with id {account_id}.")
    return account


def wallet_of_account(engine: Engine, account_id: int) -> Wallet | None:
    """The account's wallet, or ``None`` if it has none yet."""
    with reading(engine) as s:
        return s.execute(
            select(Wallet)
            .where(col(Wallet.account_id) == account_id)
            .order_by(col(Wallet.id))
            .limit(1)
        ).scalar_one_or_none()


def wallet_transactions(
    engine: Engine, wallet_id: int, limit: int = 100
) -> list[WalletTransaction]:
    """The wallet's movements, newest first."""
    with reading(engine) as s:
        return list(
            s.execute(
                select(WalletTransaction)
                .where(col(WalletTransaction.wallet_id) == wallet_id)
                .order_by(col(WalletTransaction.id).desc())
                .limit(limit)
            ).scalars()
        )


def account_ledger(engine: Engine, account_id: int, limit: int = 200) -> list[LedgerRow]:
    """Invoices, bills (+) and payments, credits (−) of the account, newest first."""
    with reading(engine) as s:
        rows = [
            LedgerRow("invoice", i.id, i.number, i.issued_at.date(), i.description, i.amount)
            for i in s.execute(
                select(Invoice).where(
                    col(Invoice.account_id) == account_id, col(Invoice.state) == "posted"
                )
            ).scalars()
        ]
        rows += [
            LedgerRow(
                "bill",
                b.id,
                b.number,
                b.bill_date,
                f"Bill {b.period_start.isoformat()} – {b.period_end.isoformat()}",
                b.amount,
            )
            for b in s.execute(
                select(Bill).where(
                    col(Bill.account_id) == account_id, col(Bill.status) != "cancelled"
                )
            ).scalars()
        ]
        rows += [
            LedgerRow(
                "payment", p.id, p.number, p.received_at.date(), f"Payment ({p.method})", -p.amount
            )
            for p in s.execute(
                select(Payment).where(col(Payment.account_id) == account_id)
            ).scalars()
        ]
        rows += [
            LedgerRow("credit", c.id, f"CR{c.id}", c.posted_at.date(), c.reason, -c.amount)
            for c in s.execute(select(Credit).where(col(Credit.account_id) == account_id)).scalars()
        ]
    rows.sort(key=lambda r: (r.at, r.kind, r.id), reverse=True)
    return rows[:limit]


def ledger_balance(session: Session, account_id: int) -> Decimal:
    """Posted invoices + bills − payments − credits: what the balance must equal."""

    def total(stmt: Select[Any]) -> Decimal:
        value = session.execute(stmt).scalar_one()
        return Decimal(value) if value is not None else ZERO

    invoices = total(
        select(func.sum(col(Invoice.amount))).where(
            col(Invoice.account_id) == account_id, col(Invoice.state) == "posted"
        )
    )
    bills = total(
        select(func.sum(col(Bill.amount))).where(
            col(Bill.account_id) == account_id, col(Bill.status) != "cancelled"
        )
    )
    payments = total(
        select(func.sum(col(Payment.amount))).where(col(Payment.account_id) == account_id)
    )
    credits = total(
        select(func.sum(col(Credit.amount))).where(col(Credit.account_id) == account_id)
    )
    return invoices + bills - payments - credits


def wallet_ledger_balance(session: Session, wallet_id: int) -> Decimal:
    """The sum of the wallet's transactions: what its balance must equal."""
    value = session.execute(
        select(func.sum(col(WalletTransaction.amount))).where(
            col(WalletTransaction.wallet_id) == wallet_id
        )
    ).scalar_one()
    return Decimal(value) if value is not None else ZERO


# --- bills ------------------------------------------------------------------------------------


def unpaid_bills(
    engine: Engine, *, account_id: int | None = None, contact_id: int | None = None
) -> list[Bill]:
    """Unpaid and partly paid bills of an account or of all a contact's accounts, latest first."""
    if account_id is None and contact_id is None:
        raise ValueError("pass account_id or contact_id")
    stmt = select(Bill).where(col(Bill.status).in_(UNPAID))
    if account_id is not None:
        stmt = stmt.where(col(Bill.account_id) == account_id)
    if contact_id is not None:
        stmt = stmt.join(Account, col(Account.id) == col(Bill.account_id)).where(
            col(Account.contact_id) == contact_id
        )
    with reading(engine) as s:
        return list(
            s.execute(stmt.order_by(col(Bill.bill_date).desc(), col(Bill.id).desc())).scalars()
        )


def bills_of_account(engine: Engine, account_id: int, limit: int = 100) -> list[Bill]:
    """The account's bills, latest first."""
    with reading(engine) as s:
        return list(
            s.execute(
                select(Bill)
                .where(col(Bill.account_id) == account_id)
                .order_by(col(Bill.bill_date).desc(), col(Bill.id).desc())
                .limit(limit)
            ).scalars()
        )


def bill_with_lines(engine: Engine, bill_id: int) -> BillView:
    """A bill with its lines (drill-down of the Financials tab)."""
    with reading(engine) as s:
        bill = s.get(Bill, bill_id)
        if bill is None:
            raise NotFound(f"There is no bill with id {bill_id}.")
        lines = list(
            s.execute(
                select(BillLine).where(col(BillLine.bill_id) == bill_id).order_by(col(BillLine.id))
            ).scalars()
        )
        account = s.get(Account, bill.account_id)
        sub = s.get(Subscription, bill.subscription_id) if bill.subscription_id else None
    assert account is not None
    return BillView(bill, lines, account, sub.number if sub else None)


# --- catalogue and subscriptions --------------------------------------------------------------


def catalogue_products(
    engine: Engine, *, kind: str | None = "recurring", include_inactive: bool = False
) -> list[Product]:
    """Catalogue products by name (recurring only by default; ``kind=None`` for all)."""
    stmt = select(Product)
    if kind is not None:
        stmt = stmt.where(col(Product.kind) == kind)
    if not include_inactive:
        stmt = stmt.where(col(Product.active).is_(True))
    with reading(engine) as s:
        return list(s.execute(stmt.order_by(col(Product.name), col(Product.id))).scalars())


def subscriptions_of_contact(engine: Engine, contact_id: int) -> list[Subscription]:
    """Subscriptions on any of the contact's accounts, newest first."""
    with reading(engine) as s:
        return list(
            s.execute(
                select(Subscription)
                .join(Account, col(Account.id) == col(Subscription.account_id))
                .where(col(Account.contact_id) == contact_id)
                .order_by(col(Subscription.id).desc())
            ).scalars()
        )


def subscription_with_services(engine: Engine, subscription_id: int) -> SubscriptionView:
    """A subscription with its services, products, account and history."""
    with reading(engine) as s:
        sub = s.get(Subscription, subscription_id)
        if sub is None:
            raise NotFound(f"There is no subscription with id {subscription_id}.")
        rows = s.execute(
            select(SubscriptionService, Product)
            .join(Product, col(Product.id) == col(SubscriptionService.product_id))
            .where(col(SubscriptionService.subscription_id) == subscription_id)
            .order_by(col(SubscriptionService.id))
        ).all()
        events = list(
            s.execute(
                select(SubscriptionEvent)
                .where(col(SubscriptionEvent.subscription_id) == subscription_id)
                .order_by(col(SubscriptionEvent.id).desc())
            ).scalars()
        )
        account = s.get(Account, sub.account_id)
    assert account is not None
    return SubscriptionView(sub, account, [ServiceRow(svc, p) for svc, p in rows], events)


# --- vouchers and rewards ---------------------------------------------------------------------
