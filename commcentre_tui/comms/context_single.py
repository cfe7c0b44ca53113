"""The tag context of a single message: the related record checked to exist and to belong to
the customer, the :class:`~commcentre_tui.comms.context.ContextKey` filled with the customer's
defaults (first account, its newest subscription and bill), and :func:`load_one`."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from commcentre_tui.comms.context import (
    T_ACCOUNT,
    T_BILL,
    T_SUB,
    ContactInfo,
    ContextKey,
    agent_values,
    load_batch,
)
from commcentre_tui.errors import NotFound, ValidationFailed
from commcentre_tui.models import (
    Account,
    Activity,
    Bill,
    Contact,
    Job,
    Lead,
    Payment,
    ServiceRequest,
    Subscription,
)
from commcentre_tui.models.care import Case

#: Related-entity types a communication can point at → model.
RELATED_MODELS: dict[str, Any] = {
    "account": Account,
    "subscription": Subscription,
    "bill": Bill,
    "payment": Payment,
    "job": Job,
    "activity": Activity,
    "service_request": ServiceRequest,
    "lead": Lead,
    "case": Case,
}


def _related_contact(session: Session, related_type: str, record: Any) -> int | None:
    """The contact a related record belongs to."""
    if hasattr(record, "contact_id"):
        return int(record.contact_id)
    account_id = getattr(record, "account_id", None)
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    return account.contact_id if account else None


def related_record(
    session: Session, contact_id: int, related_type: str | None, related_id: int | None
) -> Any:
    """The related record, checked to exist and to belong to the contact (or ``None``)."""
    if not related_type and related_id is None:
        return None
    kind = related_type or ""
    model = RELATED_MODELS.get(kind)
    if model is None:
        known = ", ".join(RELATED_MODELS)
        raise ValidationFailed(
            f"A communication can relate to a {known}; not {related_type!r}.", "related_type"
        )
    if related_id is None:
        raise ValidationFailed(f"Choose which {kind.replace('_', ' ')} it is about.", "related_id")
    record = session.get(model, related_id)
    label = kind.replace("_", " ")
    if record is None:
        raise ValidationFailed(f"The related {label} no longer exists.", "related_id")
    if _related_contact(session, kind, record) != contact_id:
        raise ValidationFailed(f"The related {label} belongs to another customer.", "related_id")
    return record


def resolve_key(
    session: Session,
    contact_id: int,
    related_type: str | None = None,
    related_id: int | None = None,
) -> ContextKey:
    """The records a single message is about: the related record and its parents first, then
    the contact's defaults (first account, its newest active subscription, its latest bill)."""
    record = related_record(session, contact_id, related_type, related_id)
    key = ContextKey(contact_id)
    if record is not None:
        if related_type in ("job", "activity", "service_request"):
            key = key._replace(**{f"{related_type}_id": record.id})
        if related_type == "account":
            key = key._replace(account_id=record.id)
        if related_type == "subscription":
            key = key._replace(subscription_id=record.id, account_id=record.account_id)
        if related_type == "bill":
            key = key._replace(
                bill_id=record.id,
                account_id=record.account_id,
                subscription_id=record.subscription_id,
            )
        if related_type == "payment" and record.bill_id:
            key = key._replace(bill_id=record.bill_id)
        if getattr(record, "account_id", None) and key.account_id is None:
            key = key._replace(account_id=record.account_id)
        if getattr(record, "subscription_id", None) and key.subscription_id is None:
            key = key._replace(subscription_id=record.subscription_id)
    if key.account_id is None:
        key = key._replace(
            account_id=session.execute(
                select(T_ACCOUNT.c.id)
                .where(T_ACCOUNT.c.contact_id == contact_id)
                .order_by(T_ACCOUNT.c.id)
                .limit(1)
            ).scalar()
        )
    if key.account_id is not None and key.subscription_id is None:
        key = key._replace(
            subscription_id=session.execute(
                select(T_SUB.c.id)
                .where(T_SUB.c.account_id == key.account_id)
                .order_by(
                    (T_SUB.c.status == "active").desc(),
                    T_SUB.c.start_date.desc(),
                    T_SUB.c.id.desc(),
                )
                .limit(1)
            ).scalar()
        )
    if key.account_id is not None and key.bill_id is None:
        key = key._replace(
            bill_id=session.execute(
                select(T_BILL.c.id)
                .where(T_BILL.c.account_id == key.account_id)
                .order_by(T_BILL.c.bill_date.desc(), T_BILL.c.id.desc())
                .limit(1)
            ).scalar()
        )
    return key


def load_one(
    session: Session,
    contact_id: int,
    related_type: str | None = None,
    related_id: int | None = None,
    *,
    agent_id: int | None = None,
    today: date,
) -> tuple[ContactInfo, dict[str, Any]]:
    """Sending info and the full tag context for one customer (and the related record)."""
    if session.get(Contact, contact_id) is None:
        raise NotFound("That customer no longer exists.")
    key = resolve_key(session, contact_id, related_type, related_id)
    needs = {"contact", "account", "subscription", "bill", "job", "activity", "service_request"}
    return load_batch(session, [key], needs, agent=agent_values(session, agent_id), today=today)[0]
