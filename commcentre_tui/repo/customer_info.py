"""Read the contact information an agent edits in "Add More Information".

Returns plain dataclasses: the contact's version (for optimistic locking on save), its phones,
emails and addresses, and its preferences (language, opt-outs per media, custom fields).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

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


#: The media a contact can opt out of, in the order they are shown.
MEDIA: tuple[str, ...] = ("email", "sms", "phone", "letter")
#: How each media is written for an agent.
MEDIA_WORDS: dict[str, str] = {"email": "email", "sms": "SMS", "phone": "phone", "letter": "letter"}


@dataclass(frozen=True)
class Preferences:
    """Preferred language, the media the contact opted out of, and the custom field values."""

    language: str = "en"
    opted_out: frozenset[str] = frozenset()
    """Media names of :data:`MEDIA` the contact must not be contacted by."""
    custom_fields: tuple[tuple[str, Any], ...] = ()
    """(name, stored value) pairs, as stored."""

    def custom(self) -> dict[str, Any]:
        """The custom field values by name."""
        return dict(self.custom_fields)

    def words(self) -> str:
        """ "Opted in: email, SMS, letter · opted out: phone" (state in words, never colour)."""
        ins = [MEDIA_WORDS[m] for m in MEDIA if m not in self.opted_out]
        outs = [MEDIA_WORDS[m] for m in MEDIA if m in self.opted_out]
        parts = [f"Opted in: {', '.join(ins)}" if ins else "Opted in: none"]
        if outs:
            parts.append(f"opted out: {', '.join(outs)}")
        return " · ".join(parts)


def preferences_of(contact: Contact) -> Preferences:
    """The :class:`Preferences` stored on ``contact``."""
    custom = contact.custom_fields if isinstance(contact.custom_fields, dict) else {}
    return Preferences(
        language=contact.preferred_language or "en",
        opted_out=frozenset(m for m in MEDIA if getattr(contact, f"{m}_opt_out", False)),
        custom_fields=tuple(custom.items()),
    )


def custom_value_words(value: Any) -> str:
    """A stored custom field value as an agent reads it (``yes``/``no`` for booleans)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def custom_field_lines(prefs: Preferences, names: Iterable[str]) -> list[tuple[str, str]]:
    """(name, value words) for the configured ``names`` in order, then any other stored value."""
    stored = prefs.custom()
    listed = list(dict.fromkeys(names))
    rows = [(n, custom_value_words(stored.get(n))) for n in listed]
    rows += [(n, custom_value_words(v)) for n, v in stored.items() if n not in listed]
    return rows


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
    preferences: Preferences = Preferences()


def contact_rows(
    session: Session, contact_id: int
) -> tuple[list[ContactPhone], list[ContactEmail], list[ContactAddress]]:
    """The contact's phones, emails and addresses, each in the order they were added."""

    def rows(model: Any) -> list[Any]:
        return list(
            session.execute(
                select(model).where(col(model.contact_id) == contact_id).order_by(col(model.id))
            ).scalars()
        )

    return rows(ContactPhone), rows(ContactEmail), rows(ContactAddress)


def read_contact_info(session: Session, contact_id: int) -> ContactInfo:
    """:class:`ContactInfo` inside an open session (used by the save service too)."""
    contact = session.get(Contact, contact_id, populate_existing=True)
    if contact is None:
        raise NotFound("This customer no longer exists.")
    phones, emails, addresses = contact_rows(session, contact_id)
    return ContactInfo(
        contact_id=contact_id,
        version=contact.version,
        customer_number=contact.customer_number,
        display_name=contact.display_name,
        phones=tuple(PhoneItem(p.id, p.kind, p.number, p.is_primary, p.e164) for p in phones),
        emails=tuple(EmailItem(e.id, e.kind, e.typed, e.is_primary) for e in emails),
        addresses=tuple(
            AddressItem(a.id, a.kind, a.street, a.city, a.postal_code, a.country, a.is_primary)
            for a in addresses
        ),
        preferences=preferences_of(contact),
    )


def contact_info(engine: Engine, contact_id: int) -> ContactInfo:
    """The contact information of ``contact_id`` as it is now."""
    with reading(engine) as session:
        return read_contact_info(session, contact_id)


def contact_labels(engine: Engine, contact_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(display name, customer number) of each of ``contact_ids`` that exists."""
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    with reading(engine) as session:
        rows = session.execute(select(Contact).where(col(Contact.id).in_(ids))).scalars()
        return {c.id: (c.display_name, c.customer_number) for c in rows if c.id is not None}
