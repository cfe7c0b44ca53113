"""Communication tags: the documented, read-only values a template may use.

A template sees one :class:`TagNamespace` per group (``contact``, ``account``, ``subscription``,
``bill``, ``job``, ``activity``, ``service_request``, ``agent``) and the date ``today``. Each tag,
with an example value, is listed in :data:`TAG_REFERENCE`; :func:`tag_completions` offers them
for ``{{`` auto-complete. Pure data and functions: loading the values is ``comms.context``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class TagInfo:
    """One tag of the reference: its dotted name, an example value and what it is."""

    tag: str
    example: str
    description: str


def _ref(group: str, rows: Iterable[tuple[str, str, str]]) -> tuple[TagInfo, ...]:
    return tuple(TagInfo(f"{group}.{name}", example, text) for name, example, text in rows)


#: Every tag a template may use, in the order the reference shows them.
TAG_REFERENCE: tuple[TagInfo, ...] = (
    *_ref(
        "contact",
        (
            ("customer_number", "C0000042", "Customer number"),
            ("title", "Ms", "Title"),
            ("first_name", "Maria", "First name"),
            ("last_name", "Georgiou", "Last name"),
            ("company_name", "Zenon Ltd", "Company name"),
            ("name", "Maria Georgiou", "Display name: company name, else first and last name"),
            ("email", "maria@example.com", "Primary email address"),
            ("emails", "maria@example.com, m.g@work.example", "All email addresses"),
            ("phone", "+35799123456", "Primary phone number (E.164)"),
            ("phones", "+35799123456, +35722123456", "All phone numbers (E.164)"),
            ("address", "12 Makariou Ave, 1065 Nicosia, Cyprus", "Primary address on one line"),
            ("street", "12 Makariou Ave", "Street of the primary address"),
            ("city", "Nicosia", "City of the primary address"),
            ("postal_code", "1065", "Postal code of the primary address"),
            ("country", "Cyprus", "Country of the primary address"),
            ("preferred_language", "en", "Preferred language code"),
        ),
    ),
    *_ref(
        "account",
        (
            ("number", "A00000042", "Account number"),
            ("name", "Home", "Account name"),
            ("balance", "120.50", "Balance (positive: the customer owes)"),
            ("currency", "EUR", "Currency code"),
            ("credit_limit", "0.00", "Credit limit"),
            ("status", "active", "Account status"),
        ),
    ),
    *_ref(
        "subscription",
        (
            ("number", "S00000042", "Subscription number"),
            ("status", "active", "Subscription status"),
            ("start_date", "2026-01-15", "Start date"),
            (
                "services",
                "Broadband 100, TV Plus",
                "Active services (a list; prints comma-separated)",
            ),
        ),
    ),
    *_ref(
        "bill",
        (
            ("number", "B000000042", "Bill number"),
            ("amount", "45.90", "Amount of the bill"),
            ("outstanding", "45.90", "Still unpaid on this bill"),
            ("due_date", "2026-11-30", "Due date"),
            ("bill_date", "2026-11-01", "Bill date"),
            ("period_start", "2026-10-01", "First day of the billed period"),
            ("period_end", "2026-10-31", "Last day of the billed period"),
            ("status", "unpaid", "unpaid, partly_paid or paid"),
        ),
    ),
    *_ref(
        "job",
        (
            ("number", "J0000042", "Job number"),
            ("type", "Technician visit", "Job type"),
            ("status", "open", "Job status"),
            ("scheduled_at", "2026-11-24 09:00", "Scheduled for (UTC)"),
            ("completed_at", "2026-11-24 11:30", "Completed at (UTC)"),
        ),
    ),
    *_ref(
        "activity",
        (
            ("number", "AC0000042", "Activity number"),
            ("type", "Installation", "Activity type"),
            ("status", "open", "Activity status"),
            ("start_at", "2026-11-24 09:00", "Starts at (UTC)"),
            ("expected_completion_at", "2026-11-24 12:00", "Expected completion (UTC)"),
        ),
    ),
    *_ref(
        "service_request",
        (
            ("number", "SR0000042", "Service request number"),
            ("type", "Picture quality", "Service request type"),
            ("status", "open", "Service request status"),
            ("priority", "normal", "Priority"),
        ),
    ),
    *_ref(
        "agent",
        (
            ("name", "Andreas Ioannou", "The sending agent's display name"),
            ("username", "andreas", "The sending agent's user name"),
            ("unit", "Care", "The sending agent's unit"),
        ),
    ),
    TagInfo("today", "2026-11-23", "Today's date"),
)

#: Tag groups (top-level names) in reference order; ``today`` is a plain value.
NAMESPACES: tuple[str, ...] = tuple(
    dict.fromkeys(t.tag.split(".")[0] for t in TAG_REFERENCE if "." in t.tag)
)
SCALARS: tuple[str, ...] = tuple(t.tag for t in TAG_REFERENCE if "." not in t.tag)
KNOWN_TAGS: frozenset[str] = frozenset(t.tag for t in TAG_REFERENCE)
FIELDS: dict[str, tuple[str, ...]] = {
    ns: tuple(t.tag.split(".", 1)[1] for t in TAG_REFERENCE if t.tag.startswith(ns + "."))
    for ns in NAMESPACES
}

#: Why a whole group has no values, by group (used in "no value" messages).
ABSENT_REASON: dict[str, str] = {
    "account": "this customer has no account",
    "subscription": "this customer has no subscription",
    "bill": "this customer has no bill",
    "job": "this communication is not about a job",
    "activity": "this communication is not about an activity",
    "service_request": "this communication is not about a service request",
    "agent": "no agent is sending it",
    "contact": "there is no customer",
}


class TagList(tuple[Any, ...]):
    """A list value (emails, phones, services): iterable, and prints comma-separated."""

    def __str__(self) -> str:
        return ", ".join(str(v) for v in self)


class TagNamespace(dict[str, Any]):
    """One tag group's values. The sandbox only ever reads its keys (see ``comms.templates``).

    ``absent`` marks a group with no record for this customer (no bill, no job …). Build with
    :func:`namespace` (a subclass per group keeps construction at C speed for bulk sends).
    """

    __slots__ = ()
    group: str = ""
    absent: bool = False

    def __repr__(self) -> str:
        return f"<tags {self.group}>"


_PRESENT: dict[str, type[TagNamespace]] = {}
_ABSENT: dict[str, TagNamespace] = {}


def group_type(group: str) -> type[TagNamespace]:
    """The :class:`TagNamespace` subclass of ``group`` (construct it like a dict)."""
    return _PRESENT[group]


def namespace(
    group: str, values: Mapping[str, Any] | None = None, *, absent: bool = False
) -> TagNamespace:
    """The tag group ``group`` holding ``values`` (or marked absent)."""
    if absent:
        absent_cls: type[TagNamespace] = type(
            f"{group}_absent_tags",
            (TagNamespace,),
            {"__slots__": (), "group": group, "absent": True},
        )
        return absent_cls()
    cls: type[TagNamespace] = _PRESENT.get(group) or type(
        f"{group}_tags", (TagNamespace,), {"__slots__": (), "group": group}
    )
    return cls(values or {})


def has_value(value: Any) -> bool:
    """Whether a tag value prints as something (``None``, blanks and empty lists do not)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, tuple | list):
        return bool(value)
    return True


def one_line_address(
    street: str | None, city: str | None, postal: str | None, country: str | None
) -> str:
    """``"12 Makariou Ave, 1065 Nicosia, Cyprus"`` from the parts that are present."""
    town = " ".join(p for p in (postal, city) if p)
    return ", ".join(p for p in (street, town, country) if p)


def contact_values(
    contact: Mapping[str, Any],
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    address: Mapping[str, Any] | None = None,
) -> TagNamespace:
    """The ``contact`` group from a contact row, its emails and phones (primary first) and its
    primary address (fields left out have no value)."""
    first, last, company = (
        contact.get("first_name"),
        contact.get("last_name"),
        contact.get("company_name"),
    )
    if company and contact.get("kind") == "company":
        name = company
    else:
        name = f"{first} {last}" if first and last else (first or last or company)
    values = _PRESENT["contact"](
        {
            "customer_number": contact.get("customer_number"),
            "title": contact.get("title"),
            "first_name": first,
            "last_name": last,
            "company_name": company,
            "name": name,
            "email": emails[0] if emails else None,
            "emails": TagList(emails),
            "phone": phones[0] if phones else None,
            "phones": TagList(phones),
            "preferred_language": contact.get("preferred_language"),
        }
    )
    if address:
        street, city = address.get("street"), address.get("city")
        postal, country = address.get("postal_code"), address.get("country")
        values.update(
            street=street,
            city=city,
            postal_code=postal,
            country=country,
            address=one_line_address(street, city, postal, country),
        )
    return values


def build_context(groups: Mapping[str, Mapping[str, Any] | None], today: date) -> dict[str, Any]:
    """The template context: every group (missing ones marked absent) plus ``today``.

    ``groups`` maps group name → its values; keys beyond :data:`FIELDS` are never visible to
    templates (the sandbox only answers documented tags).
    """
    context: dict[str, Any] = dict(_ABSENT)
    for group, values in groups.items():
        if values is not None:
            cls = _PRESENT.get(group)
            if cls is not None:
                context[group] = values if type(values) is cls else cls(values)
    context["today"] = today
    return context


def _typed_example(name: str, example: str) -> Any:
    """A reference example as the type the real value has (dates, amounts, lists)."""
    if name in ("emails", "phones", "services"):
        return TagList(example.split(", "))
    if name.endswith("_at"):
        return datetime.fromisoformat(example).replace(tzinfo=UTC)
    if name.endswith("_date") or name in ("period_start", "period_end"):
        return date.fromisoformat(example)
    if name in ("balance", "amount", "outstanding", "credit_limit"):
        return Decimal(example)
    return example


def sample_context() -> dict[str, Any]:
    """A context filled with the reference's example values (previews without a customer)."""
    groups: dict[str, dict[str, Any]] = {ns: {} for ns in NAMESPACES}
    for info in TAG_REFERENCE:
        if "." in info.tag:
            ns, name = info.tag.split(".", 1)
            groups[ns][name] = _typed_example(name, info.example)
    return build_context(
        groups, date.fromisoformat(next(t.example for t in TAG_REFERENCE if t.tag == "today"))
    )


@dataclass(frozen=True)
class Completion:
    """An auto-complete candidate: the text to insert after ``{{ `` and how to show it."""

    tag: str
    insert: str
    example: str
    description: str


def open_tag(text_before_cursor: str) -> str | None:
    """The partial tag being typed (``"contact.fi"``) when the cursor is inside ``{{ …``, else ``None``."""
    start = text_before_cursor.rfind("{{")
    if start < 0 or "}}" in text_before_cursor[start:]:
        return None
    partial = text_before_cursor[start + 2 :].lstrip()
    if any(not (ch.isalnum() or ch in "._") for ch in partial):
        return None
    return partial


def tag_completions(text_before_cursor: str, *, limit: int = 20) -> list[Completion]:
    """Auto-complete candidates for the tag being typed after ``{{``; empty when not in a tag.

    ``"Dear {{ contact.fi"`` → ``[Completion("contact.first_name", "contact.first_name }}", …)]``.
    Matching is by prefix first, then by substring, case-insensitively.
    """
    partial = open_tag(text_before_cursor)
    if partial is None:
        return []
    needle = partial.casefold()
    prefix = [t for t in TAG_REFERENCE if t.tag.casefold().startswith(needle)]
    inside = [t for t in TAG_REFERENCE if needle and needle in t.tag.casefold() and t not in prefix]
    return [
        Completion(t.tag, f"{t.tag} }}}}", t.example, t.description)
        for t in (prefix + inside)[:limit]
    ]


for _group in NAMESPACES:
    _PRESENT[_group] = type(f"{_group}_tags", (TagNamespace,), {"__slots__": (), "group": _group})
    _ABSENT[_group] = namespace(_group, absent=True)
