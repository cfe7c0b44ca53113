"""Read-only detail of any record listed in the customer view ("View").

:func:`record_detail` returns a title, the record's fields as (label, value) pairs with foreign
keys resolved to the numbers and names an agent knows, and child lists (bill lines, case
follow-ups, subscription services …) as sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from commcentre_tui.errors import NotAllowed, NotFound
from commcentre_tui.models import (
    Account,
    Activity,
    ActivityService,
    Agent,
    Bill,
    BillLine,
    Case,
    Communication,
    Contact,
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
    SubscriptionEvent,
    SubscriptionService,
    Task,
    Wallet,
    WalletTransaction,
)
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.visibility import is_visible

#: entity key → (model, human label, permission entity).
ENTITIES: dict[str, tuple[Any, str, str]] = {
    "contact": (Contact, "Contact", "contact"),
    "account": (Account, "Account", "account"),
    "invoice": (Invoice, "Invoice", "invoice"),
    "bill": (Bill, "Bill", "bill"),
    "payment": (Payment, "Payment", "payment"),
    "credit": (Credit, "Credit", "credit"),
    "wallet": (Wallet, "Wallet", "wallet"),
    "wallet_transaction": (WalletTransaction, "Wallet transaction", "wallet"),
    "subscription": (Subscription, "Subscription", "subscription"),
    "subscription_service": (SubscriptionService, "Subscription service", "subscription"),
    "service_request": (ServiceRequest, "Service request", "service_request"),
    "activity": (Activity, "Activity", "activity"),
    "job": (Job, "Job", "job"),
    "lead": (Lead, "Lead", "lead"),
    "case": (Case, "Case", "case"),
    "task": (Task, "Task", "task"),
    "communication": (Communication, "Communication", "communication"),
    "reward_participant": (RewardParticipant, "Reward participant", "reward"),
    "reward_award": (RewardAwardTransaction, "Reward award transaction", "reward"),
    "reward_spend": (RewardSpendTransaction, "Reward spend transaction", "reward"),
}

#: Columns never shown: search shadows, secrets and bookkeeping.
HIDDEN = {"sort_name", "custom_fields", "secret_number", "version", "id"}

#: Foreign-key column → (model, how to name the row).
REFERENCES: dict[str, tuple[Any, str]] = {
    "contact_id": (Contact, "customer_number"),
    "account_id": (Account, "number"),
    "used_by_account_id": (Account, "number"),
    "subscription_id": (Subscription, "number"),
    "bill_id": (Bill, "number"),
    "case_id": (Case, "number"),
    "product_id": (Product, "name"),
    "participant_id": (RewardParticipant, "number"),
    "wallet_id": (Wallet, "id"),
    "follow_up_of_id": (Communication, "subject"),
    "agent_id": (Agent, "display_name"),
    "assigned_agent_id": (Agent, "display_name"),
    "created_by_id": (Agent, "display_name"),
}


@dataclass(frozen=True)
class RecordRef:
    """A pointer to one record: what "View" opens."""

    entity: str
    id: int


@dataclass(frozen=True)
class DetailSection:
    """A child list of a record, e.g. a bill's lines."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class RecordDetail:
    """Everything the detail screen shows about one record."""

    ref: RecordRef
    title: str
    fields: tuple[tuple[str, Any], ...]
    sections: tuple[DetailSection, ...]


def label_of(column: str) -> str:
    """``"issued_at"`` → ``"Issued at"``; ``"e164"`` → ``"E164"``."""
    for suffix in ("_id",):
        if column.endswith(suffix):
            column = column[: -len(suffix)]
    return column.replace("_", " ").capitalize()


def _reference(session: Session, column: str, value: Any) -> Any:
    model, attr = REFERENCES[column]
    row = session.get(model, value)
    if row is None:
        return value
    if model is Contact:
        return f"{row.display_name} ({row.customer_number})"
    return getattr(row, attr)


def _fields(session: Session, record: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for column in (c.key for c in record.__table__.columns):
        if column in HIDDEN or column.endswith("_norm"):
            continue
        value = getattr(record, column)
        if column in REFERENCES and value is not None:
            value = _reference(session, column, value)
        out.append((label_of(column), value))
    return out


def _sections(session: Session, entity: str, record: Any) -> list[DetailSection]:
    rid = record.id
    if entity == "contact":
        return _contact_sections(session, rid)
    if entity == "bill":
        lines = session.execute(
            select(BillLine).where(col(BillLine.bill_id) == rid).order_by(col(BillLine.id))
        ).scalars()
        pays = session.execute(
            select(Payment).where(col(Payment.bill_id) == rid).order_by(col(Payment.received_at))
        ).scalars()
        return [
            DetailSection(
                "Lines",
                ("Description", "Qty", "Unit price", "Amount", "Tax"),
                tuple((x.description, x.quantity, x.unit_price, x.amount, x.tax) for x in lines),
            ),
            DetailSection(
                "Payments",
                ("Number", "Received", "Amount", "Method"),
                tuple((p.number, p.received_at, p.amount, p.method) for p in pays),
            ),
        ]
    if entity == "subscription":
        services = session.execute(
            select(SubscriptionService, col(Product.name))
            .join(Product, col(Product.id) == col(SubscriptionService.product_id))
            .where(col(SubscriptionService.subscription_id) == rid)
            .order_by(col(SubscriptionService.id))
        ).all()
        events = session.execute(
            select(SubscriptionEvent)
            .where(col(SubscriptionEvent.subscription_id) == rid)
            .order_by(col(SubscriptionEvent.created_at).desc())
            .limit(50)
        ).scalars()
        return [
            DetailSection(
                "Services",
                ("Service", "Price", "Status", "Start", "End"),
                tuple((name, s.price, s.status, s.start_date, s.end_date) for s, name in services),
            ),
            DetailSection(
                "History",
                ("When", "Action", "Details"),
                tuple((e.created_at, e.action, e.details) for e in events),
            ),
        ]
    if entity == "case":
        ups = session.execute(
            select(FollowUp)
            .where(col(FollowUp.case_id) == rid)
            .order_by(col(FollowUp.created_at), col(FollowUp.id))
        ).scalars()
        return [
            DetailSection(
                "Follow-ups",
                ("When", "Kind", "Note"),
                tuple((f.created_at, f.kind, f.note) for f in ups),
            )
        ]
    if entity == "activity":
        services = session.execute(
            select(ActivityService, col(Product.name))
            .join(Product, col(Product.id) == col(ActivityService.product_id))
            .where(col(ActivityService.activity_id) == rid)
        ).all()
        return [
            DetailSection(
                "Services to be provided",
                ("Service", "Quantity"),
                tuple((name, s.quantity) for s, name in services),
            )
        ]
    if entity == "communication":
        from commcentre_tui.repo.inbound_queries import received_sections

        return received_sections(session, rid)
    return []


def _contact_sections(session: Session, contact_id: int) -> list[DetailSection]:
    from commcentre_tui.repo.customer_info import contact_rows

    phones, emails, addresses = contact_rows(session, contact_id)
    return [
        DetailSection(
            "Phones",
            ("Kind", "Number", "E.164", "Main"),
            tuple((p.kind, p.number, p.e164, p.is_primary) for p in phones),
        ),
        DetailSection(
            "Emails",
            ("Kind", "Address", "Main"),
            tuple((e.kind, e.address, e.is_primary) for e in emails),
        ),
        DetailSection(
            "Addresses",
            ("Kind", "Street", "City", "Postal code", "Country"),
            tuple((a.kind, a.street, a.city, a.postal_code, a.country) for a in addresses),
        ),
    ]


def _title(entity: str, label: str, record: Any) -> str:
    if entity == "contact":
        return f"{record.display_name} ({record.customer_number})"
    number = getattr(record, "number", None) or getattr(record, "serial", None)
    return f"{label} {number}" if number else f"{label} #{record.id}"


def record_detail(engine: Engine, ref: RecordRef, *, actor: Actor | None = None) -> RecordDetail:
    """The detail of ``ref``; :class:`NotFound` when gone, :class:`NotAllowed` when hidden."""
    if ref.entity not in ENTITIES:
        raise NotFound(f"There is no detail view for {ref.entity.replace('_', ' ')} records.")
    model, label, permission = ENTITIES[ref.entity]
    if actor is not None and not actor.may(entity=permission, level="view"):
        raise NotAllowed(f"Your role ({actor.role_name}) may not view {label.lower()} records.")
    with reading(engine) as session:
        record = session.get(model, ref.id)
        if record is None:
            raise NotFound(f"The {label.lower()} no longer exists.")
        if actor is not None and not is_visible(record, actor):
            raise NotAllowed(f"This {label.lower()} is visible to its own unit only.")
        return RecordDetail(
            ref,
            _title(ref.entity, label, record),
            tuple(_fields(session, record)),
            tuple(_sections(session, ref.entity, record)),
        )
