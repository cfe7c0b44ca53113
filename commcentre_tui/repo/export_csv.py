"""CSV cells safe to open in a spreadsheet, and every contact in the import's own columns.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read by a
spreadsheet as a formula ("CSV injection"); :func:`safe_cell` puts an apostrophe in front of it.
Phone numbers and plain numbers (``+357 99 123456``, ``-12.50``) cannot call anything and are
left as they are. :func:`unsafe_cell` undoes it: the importer reads exported files back.

:func:`contact_rows` streams every contact (a batch at a time, in id order, constant memory) in
the columns ``commcentre import contacts`` reads, so an export imports back unchanged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, select

from commcentre_tui.models import Contact, ContactAddress, ContactEmail, ContactPhone

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"[+\-][0-9 ().,/\-]*")
BATCH = 1000

#: Contact columns exported, in the import's field names.
CONTACT_EXPORT = (
    "external_id",
    "kind",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "registration_number",
    "id_number",
    "national_id",
    "preferred_language",
    "unit",
    "email_opt_out",
    "sms_opt_out",
    "phone_opt_out",
    "letter_opt_out",
)
PHONE_EXPORT = {
    "mobile": "mobile",
    "home": "home_phone",
    "work": "work_phone",
    "fax": "fax",
    "other": "phone",
}
EMAIL_EXPORT = {"personal": "email", "work": "work_email", "other": "email"}
ADDRESS_EXPORT = ("street", "city", "postal_code", "country")


def _formula_like(text: str) -> bool:
    if not text:
        return False
    if text[0] == "'":
        return _formula_like(text[1:])
    if text[0] not in _TRIGGERS:
        return False
    return not (text[0] in "+-" and _NUMBER_LIKE.fullmatch(text))


def safe_cell(value: Any) -> str:
    """``value`` as CSV cell text a spreadsheet shows as text (formula-looking cells escaped)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if _formula_like(text) else text


def unsafe_cell(text: str) -> str:
    """Undo :func:`safe_cell` on a cell read back."""
    if text[:1] == "'" and _formula_like(text[1:]):
        return text[1:]
    return text


#: The console's result columns (search results exported as CSV).
SEARCH_COLUMNS = ("Customer", "Name", "Phone", "Email", "Matched")


def search_row(hit: Any) -> list[str]:
    """A search hit as :data:`SEARCH_COLUMNS` cells (made safe)."""
    from commcentre_tui.catalog import FIELD_LABELS

    matched = "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in hit.matched.items())
    return [
        safe_cell(v) for v in (hit.customer_number, hit.display_name, hit.phone, hit.email, matched)
    ]


def contact_header(custom_names: Sequence[str]) -> list[str]:
    return [
        *CONTACT_EXPORT,
        *dict.fromkeys(PHONE_EXPORT.values()),
        *dict.fromkeys(EMAIL_EXPORT.values()),
        *ADDRESS_EXPORT,
        "notes",
        *(f"custom.{n}" for n in custom_names),
    ]


def contact_rows(engine: Engine, custom_names: Sequence[str]) -> Iterator[list[str]]:
    """Every contact as a row of :func:`contact_header`'s columns (cells made safe)."""
    c = Contact.__table__.c  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    p = ContactPhone.__table__.c  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    e = ContactEmail.__table__.c  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    a = ContactAddress.__table__.c  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    header = contact_header(custom_names)
    last = 0
    while True:
        with engine.connect() as conn:
            contacts = (
                conn.execute(
                    select(c.id, c.custom_fields, c.notes, *(c[n] for n in CONTACT_EXPORT))
                    .where(c.id > last)
                    .order_by(c.id)
                    .limit(BATCH)
                )
                .mappings()
                .all()
            )
            if not contacts:
                return
            ids = [r["id"] for r in contacts]
            phones: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
            for owner, kind, number in conn.execute(
                select(p.contact_id, p.kind, p.number)
                .where(p.contact_id.in_(ids))
                .order_by(p.contact_id, p.id)
            ):
                phones[owner][PHONE_EXPORT.get(kind, "phone")].append(number)
            emails: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
            for owner, kind, address in conn.execute(
                select(e.contact_id, e.kind, e.address)
                .where(e.contact_id.in_(ids))
                .order_by(e.contact_id, e.id)
            ):
                emails[owner][EMAIL_EXPORT.get(kind, "email")].append(address)
            addresses: dict[int, tuple[str, ...]] = {}
            for owner, *parts in conn.execute(
                select(a.contact_id, a.street, a.city, a.postal_code, a.country)
                .where(a.contact_id.in_(ids))
                .order_by(a.contact_id, a.is_primary.desc(), a.id)
            ):
                addresses.setdefault(owner, tuple(parts))
            conn.rollback()
        for row in contacts:
            cid = row["id"]
            values: dict[str, Any] = {n: row[n] for n in CONTACT_EXPORT}
            for column, numbers in phones.get(cid, {}).items():
                values[column] = "|".join(numbers)
            for column, found in emails.get(cid, {}).items():
                values[column] = "|".join(found)
            values.update(zip(ADDRESS_EXPORT, addresses.get(cid, ("", "", "", "")), strict=True))
            values["notes"] = row["notes"]
            custom = row["custom_fields"] or {}
            for name in custom_names:
                values[f"custom.{name}"] = custom.get(name)
            yield [safe_cell(values.get(h)) for h in header]
        last = ids[-1]
