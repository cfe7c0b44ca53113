"""Read the contact information an agent edits in "Add More Information".

Returns plain dataclasses: the contact's version (for optimistic locking on save) and its phones,
emails and addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import Session

from commcentre_tui.errors import NotFound
from commcentre_tui.models import Contact, ContactAddress, ContactEmail, ContactPhone
from commcentre_tui.repo.db import reading


@dataclass(frozen=True)
class PhoneItem:
    """A phone as typed; ``id`` is ``None`` for a new one."""

    id: int | None
    kind: str
    number: str
    is_primary: bool = False
    e164: str | None = None


@dataclass(frozen=True)
class EmailItem:
    """An email address; ``id`` is ``None`` for a new one."""

    id: int | None
    kind: str
    address: str
    is_primary: bool = False


@dataclass(frozen=True)
class AddressItem:
    """A postal address; ``id`` is ``None`` for a new one."""

    id: int | None
    kind: str
    street: str
    city: str
    postal_code: str = ""
    country: str = ""
    is_primary: bool = False


@dataclass(frozen=True)
class ContactInfo:
    """A contact's phones, emails and addresses at one version."""

    contact_id: int
    version: int
    customer_number: str
    display_name: str
    phones: tuple[PhoneItem, ...]
    emails: tuple[EmailItem, ...]
    addresses: tuple[AddressItem, ...]


def read_contact_info(session: Session, contact_id: int) -> ContactInfo:
    """:class:`ContactInfo` inside an open session (used by the save service too)."""
    contact = session.get(Contact, contact_id, populate_existing=True)
    if contact is None:
        raise NotFound("This customer no longer exists.")
    phones = session.execute(select(ContactPhone).where(ContactPhone.contact_id == contact_id)
                             .order_by(ContactPhone.id)).scalars()
    emails = session.execute(select(ContactEmail).where(ContactEmail.contact_id == contact_id)
                             .order_by(ContactEmail.id)).scalars()
    addresses = session.execute(select(ContactAddress)
                                .where(ContactAddress.contact_id == contact_id)
                                .order_by(ContactAddress.id)).scalars()
    return ContactInfo(
        contact_id=contact_id,
        version=contact.version,
        customer_number=contact.customer_number,
        display_name=contact.display_name,
        phones=tuple(PhoneItem(p.id, p.kind, p.number, p.is_primary, p.e164) for p in phones),
        emails=tuple(EmailItem(e.id, e.kind, e.address, e.is_primary) for e in emails),
        addresses=tuple(AddressItem(a.id, a.kind, a.street, a.city, a.postal_code, a.country,
                                    a.is_primary) for a in addresses),
    )


def contact_info(engine: Engine, contact_id: int) -> ContactInfo:
    """The contact information of ``contact_id`` as it is now."""
    with reading(engine) as session:
        return read_contact_info(session, contact_id)
