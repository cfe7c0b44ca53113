"""Finance: accounts, invoices, payments, credits, wallets and vouchers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import Money, utcnow

ZERO = Decimal("0.00")


class Account(SQLModel, table=True):
    """A contact's financial account. ``balance`` > 0 means the customer owes money."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    number: str = Field(max_length=30, unique=True)
    name: str = Field(default="", max_length=100)
    currency: str = Field(default="EUR", max_length=3)
    balance: Decimal = Field(default=ZERO, sa_type=Money)
    credit_limit: Decimal = Field(default=ZERO, sa_type=Money)
    payment_terms_days: int = 30
    billing_address: str = Field(default="", max_length=400)
    status: str = Field(default="active", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Invoice(SQLModel, table=True):
    """A posted invoice: raises the account balance."""

    __tablename__ = "invoice"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    number: str = Field(max_length=30, unique=True)
    description: str = Field(default="", max_length=400)
    amount: Decimal = Field(sa_type=Money)
    issued_at: datetime = Field(default_factory=utcnow)
    due_date: date | None = None
    state: str = Field(default="posted", max_length=20)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")


class Bill(SQLModel, table=True):
    """A bill for one subscription and billing period; ``status`` unpaid/partly_paid/paid."""

    __tablename__ = "bill"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id", index=True)
    number: str = Field(max_length=30, unique=True)
    period_start: date
    period_end: date
    bill_date: date
    due_date: date
    previous_balance: Decimal = Field(default=ZERO, sa_type=Money)
    subtotal: Decimal = Field(default=ZERO, sa_type=Money)
    tax: Decimal = Field(default=ZERO, sa_type=Money)
    amount: Decimal = Field(default=ZERO, sa_type=Money)
    """What this bill adds: subtotal + tax."""
    paid_amount: Decimal = Field(default=ZERO, sa_type=Money)
    status: str = Field(default="unpaid", max_length=20, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class BillLine(SQLModel, table=True):
    """One line of a bill: a service for (part of) the period."""

    __tablename__ = "bill_line"

    id: int | None = Field(default=None, primary_key=True)
    bill_id: int = Field(foreign_key="bill.id", index=True)
    description: str = Field(max_length=200)
    product_id: int | None = Field(default=None, foreign_key="product.id")
    quantity: Decimal = Field(default=Decimal("1"), max_digits=10, decimal_places=4)
    unit_price: Decimal = Field(default=ZERO, sa_type=Money)
    amount: Decimal = Field(default=ZERO, sa_type=Money)
    tax: Decimal = Field(default=ZERO, sa_type=Money)


class Payment(SQLModel, table=True):
    """A payment received on an account (optionally against a bill): lowers the balance."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    bill_id: int | None = Field(default=None, foreign_key="bill.id", index=True)
    number: str = Field(max_length=30, unique=True)
    amount: Decimal = Field(sa_type=Money)
    method: str = Field(default="cash", max_length=20)
    reference: str = Field(default="", max_length=100)
    received_at: datetime = Field(default_factory=utcnow)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")


class Credit(SQLModel, table=True):
    """A credit note on an account: lowers the balance."""

    __tablename__ = "credit"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    reason: str = Field(default="", max_length=200)
    posted_at: datetime = Field(default_factory=utcnow)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")


class Wallet(SQLModel, table=True):
    """A prepaid wallet on an account; balance = sum of its transactions."""

    __tablename__ = "wallet"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    currency: str = Field(default="EUR", max_length=3)
    balance: Decimal = Field(default=ZERO, sa_type=Money)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class WalletTransaction(SQLModel, table=True):
    """A signed movement on a wallet (credit > 0, debit < 0)."""

    __tablename__ = "wallet_transaction"

    id: int | None = Field(default=None, primary_key=True)
    wallet_id: int = Field(foreign_key="wallet.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    kind: str = Field(max_length=30)
    description: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")


class Voucher(SQLModel, table=True):
    """An electronic voucher. ``state``: available → sold → used, or cancelled."""

    __tablename__ = "voucher"

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=30, unique=True)
    secret_number: str = Field(max_length=30)
    value: Decimal = Field(sa_type=Money)
    currency: str = Field(default="EUR", max_length=3)
    state: str = Field(default="available", max_length=20, index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    """The account that bought it."""
    paid_from: str | None = Field(default=None, max_length=20)
    """``wallet`` or ``account``: where a cancellation refunds to."""
    used_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    sold_at: datetime | None = None
    used_at: datetime | None = None
    cancelled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1
