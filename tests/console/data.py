"""A small, fully known customer for repository tests on both backends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from commcentre_tui.models import (
    Account,
    Activity,
    Bill,
    Case,
    Communication,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    Credit,
    FollowUp,
    Invoice,
    Job,
    Lead,
    Payment,
    Product,
    RewardAwardTransaction,
    RewardParticipant,
    RewardSpendTransaction,
    ServiceRequest,
    Subscription,
    SubscriptionService,
    Task,
    Wallet,
    WalletTransaction,
)
from commcentre_tui.repo.db import transaction

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class Known:
    """Ids of the rows :func:`build` made."""

    contact_id: int
    other_contact_id: int
    account_id: int
    second_account_id: int
    subscription_id: int
    case_id: int
    open_items: int


def build(engine: Engine) -> Known:
    """One person with two accounts, a wallet, a subscription, every financial and care kind,
    communications and rewards; plus a second contact that must never leak in."""
    with transaction(engine) as s:
        c = Contact(
            customer_number="C9000001",
            first_name="Eleni",
            last_name="Kyriakou",
            created_at=ago(400),
        )
        other = Contact(customer_number="C9000002", first_name="Other", last_name="Person")
        s.add_all([c, other])
        s.flush()
        s.add_all(
            [
                ContactPhone(contact_id=c.id, kind="home", number="22 123456", e164="+35722123456"),
                ContactPhone(
                    contact_id=c.id,
                    kind="mobile",
                    number="99 123456",
                    e164="+35799123456",
                    is_primary=True,
                ),
                ContactEmail(contact_id=c.id, address="eleni@example.com", is_primary=True),
                ContactAddress(
                    contact_id=c.id,
                    street="1 Main St",
                    city="Nicosia",
                    postal_code="1010",
                    country="Cyprus",
                    is_primary=True,
                ),
            ]
        )
        a1 = Account(contact_id=c.id, number="A9000001", name="Main", balance=Decimal("30.00"))
        a2 = Account(contact_id=c.id, number="A9000002", name="Second", balance=Decimal("-5.00"))
        a3 = Account(contact_id=other.id, number="A9000003", balance=Decimal("999.00"))
        s.add_all([a1, a2, a3])
        s.flush()
        product = Product(code="TV-1", name="TV Basic", price=Decimal("10.00"))
        s.add(product)
        s.flush()
        sub = Subscription(account_id=a1.id, number="S9000001", start_date=date(2026, 1, 1))
        s.add(sub)
        s.flush()
        s.add_all(
            [
                SubscriptionService(
                    subscription_id=sub.id,
                    product_id=product.id,
                    price=Decimal("10.00"),
                    start_date=date(2026, 1, 1),
                ),
                SubscriptionService(
                    subscription_id=sub.id,
                    product_id=product.id,
                    price=Decimal("5.50"),
                    start_date=date(2026, 1, 1),
                ),
                SubscriptionService(
                    subscription_id=sub.id,
                    product_id=product.id,
                    price=Decimal("7.00"),
                    start_date=date(2026, 1, 1),
                    status="removed",
                ),
            ]
        )
        s.add_all(
            [
                Invoice(
                    account_id=a1.id, number="I9000001", amount=Decimal("12.00"), issued_at=ago(40)
                ),
                Bill(
                    account_id=a1.id,
                    subscription_id=sub.id,
                    number="B9000001",
                    period_start=date(2026, 4, 1),
                    period_end=date(2026, 4, 30),
                    bill_date=date(2026, 5, 1),
                    due_date=date(2026, 5, 31),
                    amount=Decimal("18.00"),
                    status="unpaid",
                ),
                Bill(
                    account_id=a1.id,
                    subscription_id=sub.id,
                    number="B9000002",
                    period_start=date(2026, 3, 1),
                    period_end=date(2026, 3, 31),
                    bill_date=date(2026, 4, 1),
                    due_date=date(2026, 4, 30),
                    amount=Decimal("18.00"),
                    paid_amount=Decimal("18.00"),
                    status="paid",
                ),
                Credit(
                    account_id=a1.id, amount=Decimal("3.00"), reason="Goodwill", posted_at=ago(20)
                ),
                Bill(
                    account_id=a3.id,
                    number="B9000003",
                    period_start=date(2026, 4, 1),
                    period_end=date(2026, 4, 30),
                    bill_date=date(2026, 5, 1),
                    due_date=date(2026, 5, 31),
                    status="unpaid",
                ),
            ]
        )
        for i in range(12):  # one payment a month, 25.00 + month index
            s.add(
                Payment(
                    account_id=a1.id,
                    number=f"P90000{i:02d}",
                    amount=Decimal("25.00") + i,
                    received_at=ago(30 * i + 1),
                )
            )
        wallet = Wallet(account_id=a1.id, balance=Decimal("20.00"))
        s.add(wallet)
        s.flush()
        s.add_all(
            [
                WalletTransaction(
                    wallet_id=wallet.id, amount=Decimal("30.00"), kind="top_up", created_at=ago(10)
                ),
                WalletTransaction(
                    wallet_id=wallet.id,
                    amount=Decimal("-10.00"),
                    kind="purchase",
                    created_at=ago(5),
                ),
            ]
        )
        s.add_all(
            [
                ServiceRequest(
                    contact_id=c.id,
                    number="SR9000001",
                    type="Fault",
                    status="open",
                    created_at=ago(3),
                ),
                ServiceRequest(
                    contact_id=c.id,
                    number="SR9000002",
                    type="Fault",
                    status="closed",
                    created_at=ago(100),
                ),
                Activity(
                    contact_id=c.id,
                    number="AC9000001",
                    type="Installation",
                    status="in_progress",
                    created_at=ago(4),
                ),
                Job(
                    contact_id=c.id,
                    number="J9000001",
                    type="Visit",
                    status="completed",
                    created_at=ago(50),
                ),
                Lead(
                    contact_id=c.id,
                    number="L9000001",
                    status="new",
                    interest="Fibre",
                    created_at=ago(6),
                ),
                Task(contact_id=c.id, subject="Call back", due_at=ago(-1), created_at=ago(2)),
                ServiceRequest(contact_id=other.id, number="SR9000003", type="Fault"),
            ]
        )
        case = Case(contact_id=c.id, number="CS9000001", subject="Slow line", created_at=ago(7))
        hidden = Case(
            contact_id=c.id,
            number="CS9000002",
            subject="Internal",
            visibility="unit",
            assigned_unit="Finance",
            created_at=ago(8),
        )
        s.add_all([case, hidden])
        s.flush()
        s.add_all(
            [
                FollowUp(case_id=case.id, note="Called the customer", created_at=ago(6)),
                FollowUp(case_id=case.id, note="Line fixed", created_at=ago(5)),
            ]
        )
        for i in range(7):
            s.add(
                Communication(
                    contact_id=c.id,
                    direction="incoming",
                    media="phone",
                    subject=f"Call {i}",
                    state="completed",
                    created_at=ago(i),
                )
            )
        s.add(
            Communication(
                contact_id=c.id,
                direction="outgoing",
                media="email",
                subject="Unit only",
                visibility="unit",
                unit="Finance",
                created_at=ago(1),
            )
        )
        part = RewardParticipant(contact_id=c.id, account_id=a1.id, number="R9000001", points=70)
        s.add(part)
        s.flush()
        s.add_all(
            [
                RewardAwardTransaction(
                    participant_id=part.id, points=100, reason="Welcome", created_at=ago(60)
                ),
                RewardAwardTransaction(
                    participant_id=part.id,
                    points=20,
                    reason="Oops",
                    state="cancelled",
                    created_at=ago(30),
                ),
                RewardSpendTransaction(
                    participant_id=part.id, points=30, reason="Voucher", created_at=ago(10)
                ),
            ]
        )
        known = Known(
            c.id,
            other.id,
            a1.id,
            a2.id,
            sub.id,
            case.id,
            # SR open, activity in progress, lead new, task open, case open
            # (+ the unit-only case for supervisors)
            open_items=5,
        )
    return known
