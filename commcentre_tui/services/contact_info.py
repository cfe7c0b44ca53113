"""Add More Information: save a contact's phones, emails, addresses and preferences in one
transaction.

The agent edits the lists they were shown at some contact version; :func:`save_contact_info`
validates every row (email syntax, phone parsable for ``[search] default_region``, lengths) and
the preferences (a language code, the opt-outs per media, each ``[contacts] custom_fields``
value by its type), then in ONE transaction compare-and-sets the contact's version (a stale edit is a
:class:`~commcentre_tui.errors.Conflict`, never a silent overwrite), inserts, updates and deletes
rows to match, and writes an audit entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from commcentre_tui.errors import NotFound, ValidationFailed
from commcentre_tui.models import Contact, ContactAddress, ContactEmail, ContactPhone, utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.customer_info import (
    AddressItem,
    ContactInfo,
    EmailItem,
    PhoneItem,
    Preferences,
    read_contact_info,
)
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.text import fold, quoted, to_e164
from commcentre_tui.validation import check_email, check_phone, normal_email, unstorable

ACTION = "Add More Information"
PHONE_KINDS = ("mobile", "home", "work", "fax", "other")
EMAIL_KINDS = ("personal", "work", "other")
ADDRESS_KINDS = ("home", "work", "billing", "delivery", "other")
#: A language code: ``en``, ``el``, ``pt-br`` (stored lower-case; templates are picked by it).
LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")


def email_problem(address: str) -> str | None:
    """Why ``address`` is not a usable email address, or ``None`` when it is."""
    try:
        check_email(address)
    except ValueError as exc:
        return str(exc)
    return None


def phone_problem(number: str, region: str) -> str | None:
    """Why ``number`` cannot be dialled when read in ``region``, or ``None`` when it can."""
    try:
        check_phone(number, region)
    except ValueError as exc:
        return str(exc)
    return None if to_e164(number, region) else f"“{quoted(number)}” is not a phone number."


def _kind(value: str, allowed: tuple[str, ...], key: str, errors: dict[str, str]) -> None:
    if value not in allowed:
        errors[key] = f"Kind must be one of: {', '.join(allowed)}."


def _length(value: str, limit: int, key: str, what: str, errors: dict[str, str]) -> None:
    if len(value) > limit and key not in errors:
        errors[key] = f"{what} is at most {limit} characters."


def clean(
    phones: Sequence[PhoneItem],
    emails: Sequence[EmailItem],
    addresses: Sequence[AddressItem],
    region: str,
) -> tuple[list[PhoneItem], list[EmailItem], list[AddressItem]]:
    """Validated, trimmed rows (blank new rows dropped, E.164 filled in).

    Raises :class:`ValidationFailed` with every problem keyed ``phones.<i>.number``,
    ``emails.<i>.address``, ``addresses.<i>.street`` … (``i`` = position in the list given).
    """
    errors: dict[str, str] = {}
    out_p: list[PhoneItem] = []
    seen: dict[str, str] = {}
    for i, p in enumerate(phones):
        number = p.number.strip()
        if not number and p.id is None:
            continue
        key = f"phones.{i}.number"
        problem = (
            phone_problem(number, region)
            if number
            else ("Type the phone number, or remove the row.")
        )
        e164 = None if problem else to_e164(number, region)
        if problem:
            errors[key] = problem
        elif e164 in seen:
            errors[key] = f"This number is already listed ({seen[e164]})."
        _length(number, 40, key, "A phone number", errors)
        _kind(p.kind, PHONE_KINDS, f"phones.{i}.kind", errors)
        if e164:
            seen.setdefault(e164, number)
        out_p.append(replace(p, number=number, e164=e164))
    out_e: list[EmailItem] = []
    seen_e: set[str] = set()
    for i, e in enumerate(emails):
        address = e.address.strip()
        if not address and e.id is None:
            continue
        key = f"emails.{i}.address"
        problem = (
            email_problem(address) if address else "Type the email address, or remove the row."
        )
        if problem:
            errors[key] = problem
        elif fold(address) in seen_e:
            errors[key] = "This email address is already listed."
        seen_e.add(fold(address))
        _kind(e.kind, EMAIL_KINDS, f"emails.{i}.kind", errors)
        out_e.append(replace(e, address=address))
    out_a: list[AddressItem] = []
    for i, a in enumerate(addresses):
        a = replace(
            a,
            street=a.street.strip(),
            city=a.city.strip(),
            postal_code=a.postal_code.strip(),
            country=a.country.strip(),
        )
        if a.id is None and not any((a.street, a.city, a.postal_code, a.country)):
            continue
        if not a.street:
            errors[f"addresses.{i}.street"] = "Type the street, or remove the address."
        if not a.city:
            errors[f"addresses.{i}.city"] = "Type the city."
        for name, limit in (("street", 200), ("city", 100), ("postal_code", 20), ("country", 60)):
            _length(
                getattr(a, name),
                limit,
                f"addresses.{i}.{name}",
                name.replace("_", " ").capitalize(),
                errors,
            )
            if problem := unstorable(getattr(a, name), name.replace("_", " ").capitalize()):
                errors.setdefault(f"addresses.{i}.{name}", problem)
        _kind(a.kind, ADDRESS_KINDS, f"addresses.{i}.kind", errors)
        out_a.append(a)
    for what, rows in (("phones", out_p), ("emails", out_e), ("addresses", out_a)):
        if sum(1 for r in rows if r.is_primary) > 1:
            errors[f"{what}.main"] = f"Only one of the {what} can be the main one."
    if errors:
        raise ValidationFailed.many(errors)
    return _with_main(out_p), _with_main(out_e), _with_main(out_a)


def _with_main(rows: list[Any]) -> list[Any]:
    """Make the first row the main one when none is."""
    if rows and not any(r.is_primary for r in rows):
        rows[0] = replace(rows[0], is_primary=True)
    return rows


def _email_values(row: EmailItem) -> dict[str, Any]:
    """An email row as stored: the normal form (the domain through IDNA) and, beside it, what
    the agent typed when that differs."""
    normal = normal_email(row.address)
    return {
        "kind": row.kind,
        "address": normal,
        "is_primary": row.is_primary,
        "address_as_typed": row.address if normal != row.address else None,
    }


def _sync(session: Any, model: Any, contact_id: int, rows: Sequence[Any], values: Any) -> None:
    """Insert, update and delete ``model`` rows of the contact to match ``rows``."""
    existing = {
        r.id: r
        for r in session.execute(select(model).where(model.contact_id == contact_id)).scalars()
    }
    kept = set()
    for row in rows:
        if row.id is None:
            session.add(model(contact_id=contact_id, **values(row)))
            continue
        current = existing.get(row.id)
        if current is None:
            raise NotFound("A row you edited was removed by someone else; reload and try again.")
        kept.add(row.id)
        for key, value in values(row).items():
            setattr(current, key, value)
    for row_id, current in existing.items():
        if row_id not in kept:
            session.delete(current)


def clean_preferences(prefs: Preferences, stored: Preferences, settings: Any) -> Preferences:
    """``prefs`` as typed, checked: a language code, known media, custom values by their type.

    Custom fields no longer configured keep their stored values. Raises
    :class:`ValidationFailed` keyed ``preferences.language`` and ``custom_fields.<name>``.
    """
    from commcentre_tui.repo.customer_info import MEDIA
    from commcentre_tui.services.contacts import clean_custom_fields

    errors: dict[str, str] = {}
    language = prefs.language.strip().lower()
    if not LANGUAGE.fullmatch(language) or len(language) > 10:
        errors["preferences.language"] = "The language must be a code such as en, el or pt-br."
    unknown = sorted(prefs.opted_out - set(MEDIA))
    if unknown:
        errors["preferences.opted_out"] = f"Unknown media: {', '.join(unknown)}."
    definitions = settings.contacts.custom_fields
    typed = {k: v for k, v in prefs.custom_fields}
    custom, custom_errors = clean_custom_fields(typed, definitions)
    errors.update(custom_errors)
    if errors:
        raise ValidationFailed.many(errors)
    configured = {d.name for d in definitions}
    kept = {k: v for k, v in stored.custom_fields if k not in configured}
    return Preferences(language, frozenset(prefs.opted_out), tuple({**kept, **custom}.items()))


def _preference_values(prefs: Preferences) -> dict[str, Any]:
    from commcentre_tui.repo.customer_info import MEDIA

    return {
        "preferred_language": prefs.language,
        "custom_fields": prefs.custom(),
        **{f"{m}_opt_out": m in prefs.opted_out for m in MEDIA},
    }


def _snapshot(info: ContactInfo) -> dict[str, Any]:
    prefs = info.preferences
    return {
        "preferred_language": prefs.language,
        "opted_out": sorted(prefs.opted_out),
        "custom_fields": prefs.custom(),
        "phones": [f"{p.kind}: {p.number}{' (main)' if p.is_primary else ''}" for p in info.phones],
        "emails": [
            f"{e.kind}: {e.address}{' (main)' if e.is_primary else ''}" for e in info.emails
        ],
        "addresses": [
            ", ".join(x for x in (a.street, a.city, a.postal_code, a.country) if x)
            for a in info.addresses
        ],
    }


def save_contact_info(
    ctx: ServiceContext,
    contact_id: int,
    expected_version: int,
    *,
    phones: Sequence[PhoneItem],
    emails: Sequence[EmailItem],
    addresses: Sequence[AddressItem],
    preferences: Preferences | None = None,
) -> ContactInfo:
    """Replace the contact's phones, emails and addresses with the given lists (and, when
    given, its language, opt-outs and custom fields).

    Rows with an ``id`` are updated, rows without are added, and rows of the contact missing
    from the lists are removed. Returns the saved :class:`ContactInfo` (new version).
    """
    enforce(ctx.engine, ctx.actor, entity="contact", level="edit", action=ACTION)
    errors: dict[str, str] = {}
    p: list[PhoneItem] = []
    e: list[EmailItem] = []
    a: list[AddressItem] = []
    try:
        p, e, a = clean(phones, emails, addresses, ctx.settings.search.default_region)
    except ValidationFailed as exc:
        errors.update(exc.errors or {"__form__": str(exc)})
    with transaction(ctx.engine) as session:
        before = read_contact_info(session, contact_id)
        values: dict[str, Any] = {"updated_at": utcnow()}
        if preferences is not None:
            try:
                values.update(
                    _preference_values(
                        clean_preferences(preferences, before.preferences, ctx.settings)
                    )
                )
            except ValidationFailed as exc:
                errors.update(exc.errors or {})
        if errors:
            raise ValidationFailed.many(errors)
        update_versioned(session, Contact, contact_id, expected_version, values, label="customer")
        _sync(
            session,
            ContactPhone,
            contact_id,
            p,
            lambda r: {
                "kind": r.kind,
                "number": r.number,
                "e164": r.e164,
                "is_primary": r.is_primary,
            },
        )
        _sync(session, ContactEmail, contact_id, e, _email_values)
        _sync(
            session,
            ContactAddress,
            contact_id,
            a,
            lambda r: {
                "kind": r.kind,
                "street": r.street,
                "city": r.city,
                "postal_code": r.postal_code,
                "country": r.country,
                "is_primary": r.is_primary,
            },
        )
        session.flush()
        after = read_contact_info(session, contact_id)
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=ACTION,
            entity="contact",
            entity_id=contact_id,
            before=_snapshot(before),
            after=_snapshot(after),
            detail=f"Contact information of {after.customer_number} updated.",
        )
    return after
