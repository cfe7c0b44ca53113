"""Contact reads the CRM forms need: likely duplicates, the pre-filled card, what a contact owns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel, col

from commcentre_tui.models import (
    Account,
    Activity,
    Case,
    Communication,
    Contact,
    ContactEmail,
    ContactPhone,
    Job,
    Lead,
    ServiceRequest,
    Subscription,
    Task,
)
from commcentre_tui.repo.db import reading
from commcentre_tui.text import canon_number, fold

#: Record kinds a care item may be associated with, and their tables.
OWNED_KINDS: dict[str, type[SQLModel]] = {
    "account": Account,
    "subscription": Subscription,
    "job": Job,
    "service_request": ServiceRequest,
    "activity": Activity,
    "lead": Lead,
    "case": Case,
    "task": Task,
    "communication": Communication,
}


@dataclass(frozen=True)
class DuplicateMatch:
    """An existing contact that shares a phone number or email with a new one."""

    contact_id: int
    customer_number: str
    display_name: str
    matched_on: str
    """``phone`` or ``email``."""
    value: str
    """The stored phone (E.164) or email address that matched."""


@dataclass(frozen=True)
class ContactCard:
    """What a care form pre-fills: the contact, its version and primary phone and email."""

    id: int
    version: int
    customer_number: str
    display_name: str
    phone: str | None
    phone_e164: str | None
    email: str | None


def likely_duplicates(
    engine: Engine, e164s: Iterable[str], emails: Iterable[str], *, limit: int = 20
) -> list[DuplicateMatch]:
    """Contacts having any of the E.164 numbers or (folded) email addresses, phone matches first."""
    numbers = sorted({n for n in e164s if n})
    folded = sorted({fold(e) for e in emails if e and e.strip()})
    found: dict[int, DuplicateMatch] = {}
    with reading(engine) as session:
        if numbers:
            rows = session.execute(
                select(Contact, col(ContactPhone.e164))
                .join(ContactPhone, col(ContactPhone.contact_id) == col(Contact.id))
                .where(col(ContactPhone.e164).in_(numbers))
                .order_by(col(Contact.id))
                .limit(limit)
            ).all()
            for contact, e164 in rows:
                found.setdefault(
                    contact.id,
                    DuplicateMatch(
                        contact.id, contact.customer_number, contact.display_name, "phone", e164
                    ),
                )
        if folded and len(found) < limit:
            rows = session.execute(
                select(Contact, col(ContactEmail.address))
                .join(ContactEmail, col(ContactEmail.contact_id) == col(Contact.id))
                .where(col(ContactEmail.address_norm).in_(folded))
                .order_by(col(Contact.id))
                .limit(limit)
            ).all()
            for contact, address in rows:
                found.setdefault(
                    contact.id,
                    DuplicateMatch(
                        contact.id, contact.customer_number, contact.display_name, "email", address
                    ),
                )
    return list(found.values())[:limit]


def primary_phone(session: Session, contact_id: int) -> ContactPhone | None:
    """The contact's primary phone (else its first)."""
    return session.execute(
        select(ContactPhone)
        .where(col(ContactPhone.contact_id) == contact_id)
        .order_by(col(ContactPhone.is_primary).desc(), col(ContactPhone.id))
        .limit(1)
    ).scalar_one_or_none()


def primary_email(session: Session, contact_id: int) -> ContactEmail | None:
    """The contact's primary email (else its first)."""
    return session.execute(
        select(ContactEmail)
        .where(col(ContactEmail.contact_id) == contact_id)
        .order_by(col(ContactEmail.is_primary).desc(), col(ContactEmail.id))
        .limit(1)
    ).scalar_one_or_none()


def contact_card(engine: Engine, contact_id: int) -> ContactCard | None:
    """The pre-fill for a care form (Schedule an Activity's contact step), or ``None``."""
    with reading(engine) as session:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.id is None:
            return None
        phone = primary_phone(session, contact.id)
        email = primary_email(session, contact.id)
        return ContactCard(
            id=contact.id,
            version=contact.version,
            customer_number=contact.customer_number,
            display_name=contact.display_name,
            phone=phone.number if phone else None,
            phone_e164=phone.e164 if phone else None,
            email=email.address if email else None,
        )


def customer_number_taken(session: Session, number: str) -> bool:
    """Whether a contact already has customer number ``number``."""
    return (
        session.execute(
            select(col(Contact.id)).where(col(Contact.customer_number) == canon_number(number))
        ).first()
        is not None
    )


def owner_contact_id(session: Session, kind: str, record_id: int) -> int | None:
    """The contact that owns record ``kind``/``record_id`` (``None`` if there is no such record)."""
    model = OWNED_KINDS.get(kind)
    if model is None:
        return None
    if model is Subscription:
        row = session.execute(
            select(col(Account.contact_id))
            .join(Subscription, col(Subscription.account_id) == col(Account.id))
            .where(col(Subscription.id) == record_id)
        ).first()
        return int(row[0]) if row else None
    record = session.get(model, record_id)
    return getattr(record, "contact_id", None) if record is not None else None
