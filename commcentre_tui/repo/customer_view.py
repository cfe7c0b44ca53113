"""Read queries for the customer view: the header and the Dashboard tab.

Every function takes the engine and a contact id, runs a few indexed queries in one short read
session and returns frozen dataclasses (:mod:`.customer_rows`; never ORM objects bound to a
session), so the console can call them from a thread worker and hand the result to the UI loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, select
from sqlmodel import Session, col

from commcentre_tui.errors import NotFound
from commcentre_tui.models import (
    Account,
    Activity,
    Bill,
    Case,
    Contact,
    ContactEmail,
    ContactPhone,
    Job,
    Lead,
    Payment,
    ServiceRequest,
    Subscription,
    SubscriptionService,
    Task,
    Wallet,
)
from commcentre_tui.repo.customer_info import preferences_of
from commcentre_tui.repo.customer_rows import (
    AccountRow,
    CareItemRow,
    CustomerSummary,
    Dashboard,
    PaymentRow,
    SubscriptionRow,
    WalletRow,
)
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.visibility import visibility_filter

#: Statuses that mean a customer-care item needs no more work (any entity). A resolved service
#: request still awaits closing, so it stays open; unknown statuses count as open.
CLOSED_STATUSES: frozenset[str] = frozenset(
    {"closed", "completed", "cancelled", "canceled", "won", "lost", "done"}
)

#: Customer-care entities: entity key → (model, human label). Order is the display order.
CARE_MODELS: dict[str, tuple[Any, str]] = {
    "service_request": (ServiceRequest, "Service request"),
    "activity": (Activity, "Activity"),
    "lead": (Lead, "Lead"),
    "job": (Job, "Job"),
    "case": (Case, "Case"),
    "task": (Task, "Task"),
}

ZERO = Decimal("0.00")


def display_name(
    kind: str, first: str | None, last: str | None, company: str | None, fallback: str
) -> str:
    """The name an agent reads: company name, else "First Last"."""
    if kind == "company" and company:
        return company
    name = " ".join(p for p in (first, last) if p)
    return name or company or fallback


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"Customer {contact_id} no longer exists.")
    return contact


def _accounts(session: Session, contact_id: int) -> list[AccountRow]:
    rows = session.execute(
        select(Account).where(col(Account.contact_id) == contact_id).order_by(col(Account.id))
    ).scalars()
    return [
        AccountRow(a.id or 0, a.number, a.name, a.currency, a.balance, a.credit_limit, a.status)
        for a in rows
    ]


def care_filter(model: Any, actor: Actor | None) -> list[Any]:
    """The visibility rule for ``model`` (unit-only cases), as a list of where-clauses."""
    return [] if actor is None else [visibility_filter(model, actor)]


def _open_count(session: Session, contact_id: int, actor: Actor | None) -> int:
    """Open customer-care items across every care entity, in one round trip."""
    closed = list(CLOSED_STATUSES)
    parts = [
        select(func.count())
        .select_from(model)
        .where(
            model.contact_id == contact_id,
            model.status.not_in(closed),
            *care_filter(model, actor),
        )
        .scalar_subquery()
        for model, _ in CARE_MODELS.values()
    ]
    total: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        total = total + part
    return int(session.execute(select(total)).scalar_one())


def customer_summary(
    engine: Engine,
    contact_id: int,
    *,
    actor: Actor | None = None,
) -> CustomerSummary:
    """The header of the customer view; raises :class:`NotFound` when the contact is gone."""
    with reading(engine) as session:
        contact = _contact(session, contact_id)
        accounts = _accounts(session, contact_id)
        phone = session.execute(
            select(col(ContactPhone.number), col(ContactPhone.e164))
            .where(col(ContactPhone.contact_id) == contact_id)
            .order_by(col(ContactPhone.is_primary).desc(), col(ContactPhone.id))
            .limit(1)
        ).first()
        email = session.execute(
            select(col(ContactEmail.address))
            .where(col(ContactEmail.contact_id) == contact_id)
            .order_by(col(ContactEmail.is_primary).desc(), col(ContactEmail.id))
            .limit(1)
        ).scalar()
        unpaid = 0
        if accounts:
            unpaid = int(
                session.execute(
                    select(func.count())
                    .select_from(Bill)
                    .where(
                        col(Bill.account_id).in_([a.id for a in accounts]),
                        col(Bill.status) != "paid",
                    )
                ).scalar_one()
            )
        open_items = _open_count(session, contact_id, actor)
    return CustomerSummary(
        contact_id=contact_id,
        customer_number=contact.customer_number,
        kind=contact.kind,
        display_name=contact.display_name,
        account_numbers=tuple(a.number for a in accounts),
        main_phone=(phone[1] or phone[0]) if phone else None,
        main_email=email,
        balances=_totals(accounts),
        open_items=open_items,
        unpaid_bills=unpaid,
        version=contact.version,
        national_id=contact.national_id,
    )


def _totals(accounts: Sequence[AccountRow]) -> tuple[tuple[str, Decimal], ...]:
    totals: dict[str, Decimal] = {}
    for account in accounts:
        totals[account.currency] = totals.get(account.currency, ZERO) + account.balance
    return tuple(totals.items())


def wallets_of(session: Session, accounts: Sequence[AccountRow]) -> list[WalletRow]:
    """Wallets on ``accounts``."""
    if not accounts:
        return []
    numbers = {a.id: a.number for a in accounts}
    rows = session.execute(
        select(Wallet).where(col(Wallet.account_id).in_(list(numbers))).order_by(col(Wallet.id))
    ).scalars()
    return [
        WalletRow(w.id or 0, w.account_id, numbers[w.account_id], w.currency, w.balance)
        for w in rows
    ]


def subscriptions_of(session: Session, accounts: Sequence[AccountRow]) -> list[SubscriptionRow]:
    """Subscriptions on ``accounts``, newest first, with their active services summed."""
    if not accounts:
        return []
    numbers = {a.id: a.number for a in accounts}
    subs = list(
        session.execute(
            select(Subscription)
            .where(col(Subscription.account_id).in_(list(numbers)))
            .order_by(col(Subscription.start_date).desc(), col(Subscription.id).desc())
        ).scalars()
    )
    if not subs:
        return []
    totals: dict[int, tuple[int, Decimal]] = {}
    services = session.execute(
        select(col(SubscriptionService.subscription_id), col(SubscriptionService.price)).where(
            col(SubscriptionService.subscription_id).in_([s.id for s in subs]),
            col(SubscriptionService.status) == "active",
        )
    )
    for sub_id, price in services:
        count, total = totals.get(sub_id, (0, ZERO))
        totals[sub_id] = (count + 1, total + price)
    return [
        SubscriptionRow(
            id=s.id or 0,
            number=s.number,
            account_id=s.account_id,
            account_number=numbers[s.account_id],
            status=s.status,
            start_date=s.start_date,
            end_date=s.end_date,
            billed_until=s.billed_until,
            active_services=totals.get(s.id or 0, (0, ZERO))[0],
            recurring_total=totals.get(s.id or 0, (0, ZERO))[1],
        )
        for s in subs
    ]


def care_row(entity: str, record: Any) -> CareItemRow:
    """A :class:`CareItemRow` for a care record of ``entity``."""
    label = CARE_MODELS[entity][1]
    if entity == "case":
        kind, summary = record.severity, record.subject
    elif entity == "task":
        kind, summary = record.kind, record.subject
    elif entity == "lead":
        kind, summary = record.source, record.interest or record.description
    else:
        kind, summary = record.type, record.description
    number = getattr(record, "number", None) or f"T{record.id}"
    return CareItemRow(
        entity=entity,
        id=record.id,
        number=number,
        kind_label=label,
        type=kind or "",
        status=record.status,
        summary=(summary or "").splitlines()[0] if summary else "",
        created_at=record.created_at,
        is_open=record.status not in CLOSED_STATUSES,
    )


def _open_care(
    session: Session,
    contact_id: int,
    limit: int,
    actor: Actor | None,
) -> list[CareItemRow]:
    rows: list[CareItemRow] = []
    closed = list(CLOSED_STATUSES)
    for entity, (model, _) in CARE_MODELS.items():
        found = session.execute(
            select(model)
            .where(
                model.contact_id == contact_id,
                model.status.not_in(closed),
                *care_filter(model, actor),
            )
            .order_by(model.created_at.desc())
            .limit(limit)
        ).scalars()
        rows.extend(care_row(entity, r) for r in found)
    rows.sort(key=lambda r: r.created_at, reverse=True)
    return rows[:limit]


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def dashboard(
    engine: Engine,
    contact_id: int,
    *,
    actor: Actor | None = None,
    today: date | None = None,
    months: int = 12,
    care_limit: int = 10,
    payments_limit: int = 5,
) -> Dashboard:
    """The Dashboard tab's data: accounts, wallets, subscriptions, open care, payments."""
    today = today or datetime.now(UTC).date()
    with reading(engine) as session:
        preferences = preferences_of(_contact(session, contact_id))
        accounts = _accounts(session, contact_id)
        numbers = {a.id: a.number for a in accounts}
        wallets = wallets_of(session, accounts)
        subs = subscriptions_of(session, accounts)
        open_care = _open_care(session, contact_id, care_limit, actor)
        open_total = _open_count(session, contact_id, actor)
        recent: list[PaymentRow] = []
        series = {
            _month_start(today, back).strftime("%Y-%m"): ZERO for back in range(months - 1, -1, -1)
        }
        if accounts:
            ids = list(numbers)
            recent = [
                PaymentRow(
                    p.id or 0, p.number, numbers[p.account_id], p.amount, p.method, p.received_at
                )
                for p in session.execute(
                    select(Payment)
                    .where(col(Payment.account_id).in_(ids))
                    .order_by(col(Payment.received_at).desc(), col(Payment.id).desc())
                    .limit(payments_limit)
                ).scalars()
            ]
            since = datetime.combine(_month_start(today, months - 1), datetime.min.time(), UTC)
            for received, amount in session.execute(
                select(col(Payment.received_at), col(Payment.amount)).where(
                    col(Payment.account_id).in_(ids), col(Payment.received_at) >= since
                )
            ):
                key = received.strftime("%Y-%m")
                if key in series:
                    series[key] += amount
    return Dashboard(
        accounts=tuple(accounts),
        wallets=tuple(wallets),
        subscriptions=tuple(subs),
        open_care=tuple(open_care),
        open_care_total=open_total,
        recent_payments=tuple(recent),
        payments_by_month=tuple(series.items()),
        preferences=preferences,
    )


def accounts(engine: Engine, contact_id: int) -> list[AccountRow]:
    """The customer's accounts (Financials tab)."""
    with reading(engine) as session:
        return _accounts(session, contact_id)
