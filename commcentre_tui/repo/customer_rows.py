"""The rows the customer view's queries return (the header's summary, the Dashboard and the
accounts, wallets, subscriptions, care items and payments on it): frozen dataclasses, never ORM
objects bound to a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from commcentre_tui.repo.customer_info import Preferences


@dataclass(frozen=True)
class AccountRow:
    """A financial account of the customer."""

    id: int
    number: str
    name: str
    currency: str
    balance: Decimal
    credit_limit: Decimal
    status: str


@dataclass(frozen=True)
class WalletRow:
    """A prepaid wallet on one of the customer's accounts."""

    id: int
    account_id: int
    account_number: str
    currency: str
    balance: Decimal


@dataclass(frozen=True)
class SubscriptionRow:
    """A subscription with a summary of its active services."""

    id: int
    number: str
    account_id: int
    account_number: str
    status: str
    start_date: date
    end_date: date | None
    billed_until: date | None
    active_services: int
    recurring_total: Decimal


@dataclass(frozen=True)
class CareItemRow:
    """One customer-care record of any kind (service request, activity, lead, job, case, task)."""

    entity: str
    id: int
    number: str
    kind_label: str
    type: str
    status: str
    summary: str
    created_at: datetime
    is_open: bool


@dataclass(frozen=True)
class PaymentRow:
    """A payment received on one of the customer's accounts."""

    id: int
    number: str
    account_number: str
    amount: Decimal
    method: str
    received_at: datetime


@dataclass(frozen=True)
class CustomerSummary:
    """What the customer header always shows."""

    contact_id: int
    customer_number: str
    kind: str
    display_name: str
    account_numbers: tuple[str, ...]
    main_phone: str | None
    main_email: str | None
    balances: tuple[tuple[str, Decimal], ...]
    """Total balance per currency (positive: the customer owes)."""
    open_items: int
    unpaid_bills: int
    version: int
    national_id: str | None = None
    """The national ID as typed (``None``: not known)."""


@dataclass(frozen=True)
class Dashboard:
    """The Dashboard tab: the customer at a glance."""

    accounts: tuple[AccountRow, ...]
    wallets: tuple[WalletRow, ...]
    subscriptions: tuple[SubscriptionRow, ...]
    open_care: tuple[CareItemRow, ...]
    open_care_total: int
    recent_payments: tuple[PaymentRow, ...]
    payments_by_month: tuple[tuple[str, Decimal], ...]
    """(``"2026-01"``, total paid that month), oldest first, ending with the current month."""
    preferences: Preferences = Preferences()
    """Preferred language, opt-outs per media and custom field values."""
