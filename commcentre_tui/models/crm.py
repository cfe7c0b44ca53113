"""CRM: contacts (people and companies) with their phones, emails and addresses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, event
from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import utcnow
from commcentre_tui.text import canon_id, canon_number, fold


class ContactBase(SQLModel):
    """What an agent types for a contact."""

    kind: str = Field(default="person", max_length=10)
    """``person`` or ``company``."""
    title: str | None = Field(default=None, max_length=20)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company_name: str | None = Field(default=None, max_length=200)
    registration_number: str | None = Field(default=None, max_length=60)
    id_number: str | None = Field(default=None, max_length=60)
    national_id: str | None = Field(default=None, max_length=60)
    """The national identity number as typed (searched without spaces, dashes or case)."""
    preferred_language: str = Field(default="en", max_length=10)
    email_opt_out: bool = False
    sms_opt_out: bool = False
    phone_opt_out: bool = False
    letter_opt_out: bool = False
    unit: str | None = Field(default=None, max_length=60)
    notes: str | None = Field(default=None, max_length=4000)


class Contact(ContactBase, table=True):
    """A person or company the contact centre talks to (8x8's "customer")."""

    __tablename__ = "contact"
    __table_args__ = (Index("ix_contact_sort", "sort_name", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_number: str = Field(max_length=30, unique=True)
    external_id: str | None = Field(default=None, max_length=100, index=True, unique=True)
    """The customer's id in the system it was imported from (``commcentre import contacts``)."""
    import_hash: str | None = Field(default=None, max_length=64)
    """``<change counter>:<row digest>`` of the import that last wrote this customer: a re-run
    of the same row is told unchanged from it (:mod:`commcentre_tui.services.importing_fast`)."""
    custom_fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    first_name_norm: str = Field(default="", max_length=100, index=True)
    last_name_norm: str = Field(default="", max_length=100, index=True)
    company_name_norm: str = Field(default="", max_length=200, index=True)
    id_number_norm: str = Field(default="", max_length=60, index=True)
    national_id_norm: str = Field(
        default="", max_length=60, index=True, sa_column_kwargs={"server_default": ""}
    )
    sort_name: str = Field(default="", max_length=300)
    """Folded "last first" (or company) name: the stable result order."""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)

    @property
    def display_name(self) -> str:
        """The name an agent reads: company name, else "First Last"."""
        if self.kind == "company" and self.company_name:
            return self.company_name
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.company_name or self.customer_number


def contact_shadow(first: str | None, last: str | None, company: str | None) -> dict[str, str]:
    """The folded shadow columns for the given names (also used by bulk seeding)."""
    f, la, c = fold(first), fold(last), fold(company)
    sort = f"{la} {f}".strip() if (la or f) else c
    return {"first_name_norm": f, "last_name_norm": la, "company_name_norm": c, "sort_name": sort}


@event.listens_for(Contact, "before_insert")
@event.listens_for(Contact, "before_update")
def _contact_shadows(_mapper: Any, _conn: Any, target: Contact) -> None:
    for key, value in contact_shadow(
        target.first_name, target.last_name, target.company_name
    ).items():
        setattr(target, key, value)
    target.id_number_norm = canon_number(target.id_number)
    target.national_id_norm = canon_id(target.national_id)
    target.customer_number = canon_number(target.customer_number)


class ContactPhone(SQLModel, table=True):
    """A phone number as typed, and its E.164 form for matching."""

    __tablename__ = "contact_phone"
    # The contact's numbers, main one first, without reading the table (search results and
    # the customer header show the main number of each contact).
    __table_args__ = (
        Index("ix_contact_phone_contact_cover", "contact_id", "is_primary", "id", "e164", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    kind: str = Field(default="mobile", max_length=20)
    number: str = Field(max_length=40)
    e164: str | None = Field(default=None, max_length=20, index=True)
    is_primary: bool = False


class ContactEmail(SQLModel, table=True):
    """An email address: ``address`` in normal form (the domain through IDNA, lower case),
    ``address_as_typed`` what the agent typed when that differs (else ``None``), and
    ``address_norm`` the folded form for matching."""

    __tablename__ = "contact_email"
    # As for phones: the main address of each contact from the index alone.
    __table_args__ = (
        Index("ix_contact_email_contact_cover", "contact_id", "is_primary", "id", "address"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    kind: str = Field(default="personal", max_length=20)
    address: str = Field(max_length=254)
    address_norm: str = Field(default="", max_length=254, index=True)
    is_primary: bool = False
    address_as_typed: str | None = Field(default=None, max_length=254)

    @property
    def typed(self) -> str:
        """The address as the agent typed it (the stored form when nothing else is known)."""
        as_typed = self.address_as_typed
        return as_typed if as_typed and fold(as_typed) == fold(self.address) else self.address


@event.listens_for(ContactEmail, "before_insert")
@event.listens_for(ContactEmail, "before_update")
def _email_shadow(_mapper: Any, _conn: Any, target: ContactEmail) -> None:
    from commcentre_tui.validation import normal_email

    normal = normal_email(target.address)
    if normal != target.address:  # a writer gave it as typed: keep that beside the normal form
        target.address_as_typed, target.address = target.address, normal
    target.address_norm = fold(target.address)


class ContactAddress(SQLModel, table=True):
    """A postal address with folded shadow columns for search."""

    __tablename__ = "contact_address"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    kind: str = Field(default="home", max_length=20)
    street: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=60)
    street_norm: str = Field(default="", max_length=200, index=True)
    city_norm: str = Field(default="", max_length=100, index=True)
    postal_code_norm: str = Field(default="", max_length=20, index=True)
    country_norm: str = Field(default="", max_length=60, index=True)
    is_primary: bool = False


def address_shadow(street: str, city: str, postal_code: str, country: str) -> dict[str, str]:
    """The folded shadow columns of an address (also used by bulk seeding)."""
    return {
        "street_norm": fold(street),
        "city_norm": fold(city),
        "postal_code_norm": fold(postal_code),
        "country_norm": fold(country),
    }


@event.listens_for(ContactAddress, "before_insert")
@event.listens_for(ContactAddress, "before_update")
def _address_shadows(_mapper: Any, _conn: Any, target: ContactAddress) -> None:
    shadow = address_shadow(target.street, target.city, target.postal_code, target.country)
    for key, value in shadow.items():
        setattr(target, key, value)


class NumberSequence(SQLModel, table=True):
    """The next value of each business-number series (customer, account, bill …)."""

    __tablename__ = "number_sequence"

    name: str = Field(primary_key=True, max_length=30)
    next_value: int = 1
