"""Log Person Information / Log Company Information: new contacts, and the likely-duplicate check.

A form calls :func:`find_likely_duplicates` with the typed phones and emails before saving (to
offer opening the existing customer instead), then :func:`log_person` or :func:`log_company`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from commcentre_tui.config import CustomField
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.models import Contact, ContactAddress, ContactEmail, ContactPhone
from commcentre_tui.repo import audit
from commcentre_tui.repo.contact_queries import (
    DuplicateMatch,
    customer_number_taken,
    likely_duplicates,
)
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.numbers import next_number
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.text import canon_id, fold, storable, to_e164
from commcentre_tui.validation import (
    FormModel,
    OptStr,
    check_email,
    check_phone,
    limit,
    merge_failures,
    parse_input,
)

MAX_ROWS = 10
CUSTOM_TEXT_MAX = 500
PHONE_KINDS = Literal["mobile", "home", "work", "fax", "other"]
EMAIL_KINDS = Literal["personal", "work", "other"]
ADDRESS_KINDS = Literal["home", "work", "billing", "postal", "other"]
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def _region(info: ValidationInfo) -> str | None:
    """The phone region of the validation context (``None``: built without one, checked later)."""
    region = (info.context or {}).get("region")
    return str(region) if region else None


class PhoneIn(FormModel):
    """A phone row: kind and the number as typed (the service checks it for ``[search] default_region``)."""

    kind: PHONE_KINDS = "mobile"
    number: str = Field(min_length=1, max_length=limit(ContactPhone, "number"))
    is_primary: bool = False

    @field_validator("number")
    @classmethod
    def _phone(cls, value: str, info: ValidationInfo) -> str:
        region = _region(info)
        return check_phone(value, region)[0] if region else value


class EmailIn(FormModel):
    """An email row (syntax checked)."""

    kind: EMAIL_KINDS = "personal"
    address: str = Field(min_length=1, max_length=limit(ContactEmail, "address"))
    is_primary: bool = False

    @field_validator("address")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)


class AddressIn(FormModel):
    """A postal address row; needs at least a street or a city."""

    kind: ADDRESS_KINDS = "home"
    street: str = Field(default="", max_length=limit(ContactAddress, "street"))
    city: str = Field(default="", max_length=limit(ContactAddress, "city"), validate_default=True)
    postal_code: str = Field(default="", max_length=limit(ContactAddress, "postal_code"))
    country: str = Field(default="", max_length=limit(ContactAddress, "country"))
    is_primary: bool = False

    @field_validator("city")
    @classmethod
    def _street_or_city(cls, value: str, info: ValidationInfo) -> str:
        if not value and not info.data.get("street"):
            raise ValueError("An address needs at least a street or a city.")
        return value


class _PersonNames(FormModel):
    title: OptStr = Field(default=None, max_length=limit(Contact, "title"))
    first_name: str = Field(min_length=1, max_length=limit(Contact, "first_name"))
    last_name: str = Field(min_length=1, max_length=limit(Contact, "last_name"))


class _CompanyNames(FormModel):
    company_name: str = Field(min_length=1, max_length=limit(Contact, "company_name"))
    registration_number: str = Field(min_length=1, max_length=limit(Contact, "registration_number"))


class _ContactDetails(FormModel):
    """Fields both contact kinds share."""

    id_number: OptStr = Field(default=None, max_length=limit(Contact, "id_number"))
    national_id: OptStr = Field(default=None, max_length=limit(Contact, "national_id"))
    preferred_language: str = Field(
        default="en", min_length=2, max_length=limit(Contact, "preferred_language")
    )
    phones: list[PhoneIn] = Field(default_factory=list, max_length=MAX_ROWS)
    emails: list[EmailIn] = Field(default_factory=list, max_length=MAX_ROWS)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=MAX_ROWS)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    """Values of ``[contacts] custom_fields`` by name (checked against the config by the service)."""
    email_opt_out: bool = False
    sms_opt_out: bool = False
    phone_opt_out: bool = False
    letter_opt_out: bool = False
    notes: OptStr = Field(default=None, max_length=limit(Contact, "notes"))

    @field_validator("national_id")
    @classmethod
    def _national_id_has_characters(cls, value: str | None) -> str | None:
        if value is not None and not canon_id(value):
            raise ValueError("A national ID needs letters or digits.")
        return value


class PersonInput(_ContactDetails, _PersonNames):
    """Log Person Information: first and last name required."""


class CompanyInput(_ContactDetails, _CompanyNames):
    """Log Company Information: company name and registration number required."""


@dataclass(frozen=True)
class ContactCreated:
    """A new contact: open it in the customer view by ``contact_id``."""

    contact_id: int
    customer_number: str
    display_name: str
    version: int


def clean_custom_fields(
    values: Any, definitions: Sequence[CustomField]
) -> tuple[dict[str, Any], dict[str, str]]:
    """``values`` checked against the configured custom fields: (clean values, field errors).

    Error keys are ``custom_fields.<name>``. Blank values are left out; numbers are stored as
    JSON numbers, dates as ``YYYY-MM-DD``, booleans as true/false.
    """
    if not isinstance(values, Mapping):
        return {}, {"custom_fields": "Custom fields must be a set of named values."}
    known = {d.name: d for d in definitions}
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in values:
        if name not in known:
            listed = ", ".join(known) or "none are configured"
            errors[f"custom_fields.{name}"] = (
                f"“{name}” is not a custom field of contacts ({listed})."
            )
    for name, definition in known.items():
        raw = values.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if definition.required:
                errors[f"custom_fields.{name}"] = f"{name} is required."
            continue
        try:
            clean[name] = _custom_value(definition, raw)
        except ValueError as exc:
            errors[f"custom_fields.{name}"] = str(exc)
    return clean, errors


def _custom_value(definition: CustomField, raw: Any) -> Any:
    name = definition.name
    text = raw.strip() if isinstance(raw, str) else raw
    if definition.type == "text":
        text = str(text)
        if len(text) > CUSTOM_TEXT_MAX:
            raise ValueError(
                f"{name} must be at most {CUSTOM_TEXT_MAX} characters (it has {len(text)})."
            )
        return text
    if definition.type == "number":
        if isinstance(text, bool):
            raise ValueError(f"{name} must be a number such as 12 or 12.5.")
        try:
            number = Decimal(str(text))
        except InvalidOperation:
            raise ValueError(f"{name} must be a number such as 12 or 12.5.") from None
        if not number.is_finite():
            raise ValueError(f"{name} must be a number such as 12 or 12.5.")
        return int(number) if number == number.to_integral_value() else float(number)
    if definition.type == "date":
        if isinstance(text, date):
            return text.isoformat()[:10]
        try:
            return date.fromisoformat(str(text)).isoformat()
        except ValueError:
            raise ValueError(f"{name} must be a date such as 2026-12-01.") from None
    if isinstance(text, bool):
        return text
    word = str(text).lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise ValueError(f"{name} must be yes or no.")


def _row_errors(data: _ContactDetails, region: str) -> dict[str, str]:
    """Repeated numbers/addresses and more than one primary row per list."""
    errors: dict[str, str] = {}
    groups: tuple[tuple[str, str, list[Any], Any], ...] = (
        ("phones", "number", data.phones, lambda r: to_e164(r.number, region)),
        ("emails", "address", data.emails, lambda r: fold(r.address)),
        ("addresses", "street", data.addresses, None),
    )
    for group, field, rows, key in groups:
        seen: set[str] = set()
        primaries = 0
        for i, row in enumerate(rows):
            if key is not None:
                value = key(row)
                if value in seen:
                    errors[f"{group}.{i}.{field}"] = "This is entered twice; remove one of them."
                seen.add(value)
            if row.is_primary:
                primaries += 1
                if primaries > 1:
                    errors[f"{group}.{i}.is_primary"] = (
                        f"Only one of the {group} can be the primary one."
                    )
    return errors


def _parse(
    ctx: ServiceContext, model: type[_ContactDetails], data: Any
) -> tuple[Any, dict[str, Any]]:
    raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    custom, custom_errors = clean_custom_fields(
        raw.get("custom_fields") or {}, ctx.settings.contacts.custom_fields
    )
    region = ctx.settings.search.default_region
    try:
        parsed = parse_input(model, raw, {"region": region})
    except ValidationFailed as exc:
        merge_failures(exc.errors, custom_errors)
        raise
    merge_failures(custom_errors, _row_errors(parsed, region))
    return parsed, custom


def _primary_index(rows: Sequence[Any]) -> int:
    return next((i for i, row in enumerate(rows) if row.is_primary), 0)


def _create(
    ctx: ServiceContext, kind: str, action: str, parsed: Any, custom: dict[str, Any]
) -> ContactCreated:
    enforce(ctx.engine, ctx.actor, entity="contact", level="edit", action=action)
    region = ctx.settings.search.default_region
    fields = parsed.model_dump(exclude={"phones", "emails", "addresses", "custom_fields"})
    with transaction(ctx.engine) as session:
        number = next_number(session, "contact")
        while customer_number_taken(session, number):
            number = next_number(session, "contact")
        contact = Contact(kind=kind, customer_number=number, custom_fields=custom, **fields)
        session.add(contact)
        session.flush()
        assert contact.id is not None
        rows: list[Any] = []
        first = _primary_index(parsed.phones)
        for i, phone in enumerate(parsed.phones):
            rows.append(
                ContactPhone(
                    contact_id=contact.id,
                    kind=phone.kind,
                    number=phone.number,
                    e164=check_phone(phone.number, region)[1],
                    is_primary=i == first,
                )
            )
        first = _primary_index(parsed.emails)
        for i, email in enumerate(parsed.emails):
            rows.append(
                ContactEmail(
                    contact_id=contact.id,
                    kind=email.kind,
                    address=email.address,
                    is_primary=i == first,
                )
            )
        first = _primary_index(parsed.addresses)
        for i, address in enumerate(parsed.addresses):
            rows.append(
                ContactAddress(
                    contact_id=contact.id,
                    **address.model_dump(exclude={"is_primary"}),
                    is_primary=i == first,
                )
            )
        session.add_all(rows)
        session.flush()
        after = audit.snapshot(contact) or {}
        after["phones"] = [
            audit.snapshot(r, ("kind", "number", "e164", "is_primary"))
            for r in rows
            if isinstance(r, ContactPhone)
        ]
        after["emails"] = [
            audit.snapshot(r, ("kind", "address", "is_primary"))
            for r in rows
            if isinstance(r, ContactEmail)
        ]
        after["addresses"] = [
            audit.snapshot(r, ("kind", "street", "city", "postal_code", "country"))
            for r in rows
            if isinstance(r, ContactAddress)
        ]
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=action,
            entity="contact",
            entity_id=contact.id,
            after=after,
        )
        return ContactCreated(
            contact.id, contact.customer_number, contact.display_name, contact.version
        )


def log_person(ctx: ServiceContext, data: PersonInput | Mapping[str, Any]) -> ContactCreated:
    """Log Person Information: create a person with a new customer number (one transaction).

    Raises ``ValidationFailed`` (every field error at once) or ``NotAllowed``.
    """
    parsed, custom = _parse(ctx, PersonInput, data)
    return _create(ctx, "person", "Log Person Information", parsed, custom)


def log_company(ctx: ServiceContext, data: CompanyInput | Mapping[str, Any]) -> ContactCreated:
    """Log Company Information: create a company with a new customer number (one transaction)."""
    parsed, custom = _parse(ctx, CompanyInput, data)
    return _create(ctx, "company", "Log Company Information", parsed, custom)


def find_likely_duplicates(
    ctx: ServiceContext, phones: Iterable[str], emails: Iterable[str], *, limit: int = 20
) -> list[DuplicateMatch]:
    """Existing contacts with the same normalised phone (E.164 in ``[search] default_region``) or
    folded email as any typed here; unparsable entries are ignored (the save reports them)."""
    enforce(ctx.engine, ctx.actor, entity="contact", level="view")
    region = ctx.settings.search.default_region
    numbers = [n for n in (to_e164(p, region) for p in phones if p) if n]
    return likely_duplicates(
        ctx.engine, numbers, [e for e in emails if e and storable(e)], limit=limit
    )
