"""One imported CSV row checked and turned into what a contact is made of.

Every problem of a row is reported (not just the first), each against the file's column as its
header names it. Values are kept as typed (a cell such as ``=HYPERLINK(…)`` is text like any
other; exports escape it). Phones, emails and addresses add to a customer, so a cell of a phone
or email column may hold several values separated by ``|``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from commcentre_tui.config import CustomField
from commcentre_tui.models import Contact, ContactAddress, ContactEmail, ContactPhone
from commcentre_tui.repo.export_csv import unsafe_cell
from commcentre_tui.services.contacts import clean_custom_fields
from commcentre_tui.services.importing_csv import (
    CUSTOM_PREFIX,
    EMAIL_FIELDS,
    PHONE_FIELDS,
    Mapping,
    base_name,
    field_kind,
)
from commcentre_tui.services.importing_rerun import Seen
from commcentre_tui.text import fold, quoted
from commcentre_tui.validation import check_email, check_phone, limit, text_problem

_TRUE = {"true", "yes", "y", "1", "on", "x"}
_FALSE = {"false", "no", "n", "0", "off", ""}
_LANGUAGE = re.compile(r"^[a-z]{2,3}([-_][a-z0-9]{2,8})?$")
_LIMITS = {
    name: limit(Contact, name)
    for name in (
        "title",
        "first_name",
        "last_name",
        "company_name",
        "registration_number",
        "id_number",
        "national_id",
        "preferred_language",
        "unit",
        "notes",
        "external_id",
    )
}
_LIMITS["kind"] = 10
_PHONE_MAX = limit(ContactPhone, "number")
_EMAIL_MAX = limit(ContactEmail, "address")
_ADDRESS_MAX = {n: limit(ContactAddress, n) for n in ("street", "city", "postal_code", "country")}

_PHONE_CHARS = re.compile(r"[0-9+()./\- ]+")
_NOT_DIGIT = re.compile(r"[^0-9]+")
_LAST_FOUR = re.compile(r"[0-9](?=[^0-9]*(?:[0-9][^0-9]*){0,3}$)")
_SIMPLE_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)"
)


class FastChecks:
    """:func:`check_phone` and :func:`check_email` with the slow part done once per shape.

    Phones: numbers typed alike (same characters apart from the last four digits, and the same
    length) share the library's verdict and how the E.164 form is made from the digits; the
    first of each shape is checked in full, as is every number found invalid (for its
    sentence). Emails: a plain ASCII address (the common case) has its syntax checked here and
    its domain checked in full once; anything else goes to :func:`check_email`.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self.phones: dict[str, tuple[str, int]] = {}
        self.domains: dict[str, bool] = {}

    def phone(self, typed: str) -> tuple[str, str]:
        text = " ".join(typed.split())
        digits = _NOT_DIGIT.sub("", text)
        if len(digits) < 6 or not _PHONE_CHARS.fullmatch(text):
            return check_phone(text, self.region)
        key = _shape(text)
        rule = self.phones.get(key)
        if rule is None:
            number, e164 = check_phone(text, self.region)  # raises for an invalid number
            tail = e164[1:]
            for skip in range(len(digits) + 1):
                if tail.endswith(digits[skip:]):
                    self.phones[key] = (tail[: len(tail) - len(digits) + skip], skip)
                    break
            return number, e164
        prefix, skip = rule
        return text, "+" + prefix + digits[skip:]

    def email(self, typed: str) -> str:
        text = typed.strip()
        match = _SIMPLE_EMAIL.fullmatch(text)
        if match is None or len(text) > 254 or text.index("@") > 64:
            return check_email(text)
        domain = match.group("domain").lower()
        known = self.domains.get(domain)
        if known is None:
            try:
                check_email("a@" + domain)
                known = True
            except ValueError:
                known = False
            self.domains[domain] = known
        return text if known else check_email(text)


def fast_fold(value: str | None) -> str:
    """:func:`~commcentre_tui.text.fold`, quicker for ASCII text (the same result)."""
    if not value:
        return ""
    if value.isascii():
        return " ".join(value.lower().split())
    return fold(value)


def contact_shadow(first: str | None, last: str | None, company: str | None) -> dict[str, str]:
    """:func:`commcentre_tui.models.crm.contact_shadow` with :func:`fast_fold`."""
    f, la, c = fast_fold(first), fast_fold(last), fast_fold(company)
    sort = f"{la} {f}".strip() if (la or f) else c
    return {"first_name_norm": f, "last_name_norm": la, "company_name_norm": c, "sort_name": sort}


def address_shadow(street: str, city: str, postal_code: str, country: str) -> dict[str, str]:
    """:func:`commcentre_tui.models.crm.address_shadow` with :func:`fast_fold`."""
    return {
        "street_norm": fast_fold(street),
        "city_norm": fast_fold(city),
        "postal_code_norm": fast_fold(postal_code),
        "country_norm": fast_fold(country),
    }


def _shape(text: str) -> str:
    """``"+357 99 123456"`` → ``"+357 99 12####"``: the number with its last four digits masked."""
    return _LAST_FOUR.sub("#", text)


Problem = tuple[int, str, str]
"""(line, column as the header names it, sentence)."""


@dataclass
class Row:
    """A valid row: the contact columns it gives, and what it adds."""

    line: int
    values: list[str]
    contact: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    phones: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, number as typed, E.164)."""
    emails: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, address as typed, folded)."""
    address: tuple[str, str, str, str] | None = None
    kind_auto: bool = False
    """The file gave no kind: it was told from the names (not compared with a customer's)."""
    columns: dict[str, str] = field(default_factory=dict)
    """Key (``phone:+357…``, ``email:…``, ``external_id``) → the column it came from."""
    seen: Seen | None = None
    """Its digest and what an earlier import left under its external id (re-runs)."""

    @property
    def external_id(self) -> str | None:
        return self.contact.get("external_id")


class RowChecker:
    """Checks rows against a column mapping; ``check(line, values)`` → (row or None, problems)."""

    def __init__(self, mapping: Mapping, custom_fields: list[CustomField], region: str) -> None:
        self.mapping = mapping
        self.width = len(mapping.headers)
        self.region = region
        self.fast = FastChecks(region)
        names = [d.name for d in custom_fields]
        self.groups: dict[str, list[tuple[str, int]]] = {}
        for name, index in mapping.fields.items():
            kind = field_kind(name, names)
            self.groups.setdefault(kind or "", []).append((name, index))
        mapped_custom = {n[len(CUSTOM_PREFIX) :] for n, _ in self.groups.get("custom", [])}
        self.custom_defs = [d for d in custom_fields if d.name in mapped_custom]

    def check(self, line: int, values: list[str]) -> tuple[Row | None, list[Problem]]:
        headers = self.mapping.headers
        if len(values) != self.width:
            more = "too many" if len(values) > self.width else "too few"
            return None, [
                (
                    line,
                    "(row)",
                    f"This row has {len(values)} columns, {more} for the "
                    f"header's {self.width}; check its quoting and delimiters.",
                )
            ]
        row = Row(line, values)
        if "\x00'" in "\x00" + "\x00".join(values):  # a cell escaped by an export (CSV injection)
            values = [unsafe_cell(v) for v in values]
        problems: list[Problem] = []

        def bad(index: int, sentence: str) -> None:
            problems.append((line, headers[index], sentence))

        contact = row.contact
        for name, index in self.groups.get("contact", ()):
            value = values[index].strip()
            if not value:
                continue
            most = _LIMITS[name]
            if len(value) > most:
                bad(index, f"At most {most:,} characters are allowed (this has {len(value):,}).")
                continue
            if not value.isprintable():
                problem = text_problem(value, "This", multiline=name == "notes")
                if problem:
                    bad(index, problem)
                    continue
            contact[name] = value
        self._kind_and_names(row, bad)
        language = contact.get("preferred_language")
        if language is not None:
            language = contact["preferred_language"] = language.lower()
            if not _LANGUAGE.match(language):
                bad(
                    self.mapping.fields["preferred_language"],
                    f"“{quoted(language)}” is not a language code (e.g. en, el, pt-br).",
                )
        for name, index in self.groups.get("opt", ()):
            word = values[index].strip().lower()
            if not word:
                continue
            if word not in _TRUE and word not in _FALSE:
                bad(index, f"“{quoted(values[index])}” is not yes or no.")
                continue
            media, _opt, way = name.split("_")
            contact[f"{media}_opt_out"] = (word in _TRUE) == (way == "out")
        for name, index in self.groups.get("phone", ()):
            kind = PHONE_FIELDS[base_name(name)]
            for typed in values[index].split("|"):
                typed = typed.strip()
                if not typed:
                    continue
                if len(typed) > _PHONE_MAX:
                    bad(index, f"At most {_PHONE_MAX} characters are allowed in a phone number.")
                    continue
                try:
                    number, e164 = self.fast.phone(typed)
                except ValueError as exc:
                    bad(index, str(exc))
                    continue
                row.phones.append((kind, number, e164))
                row.columns.setdefault(f"phone:{e164}", headers[index])
        for name, index in self.groups.get("email", ()):
            kind = EMAIL_FIELDS[base_name(name)]
            for typed in values[index].split("|"):
                typed = typed.strip()
                if not typed:
                    continue
                if len(typed) > _EMAIL_MAX:
                    bad(index, f"At most {_EMAIL_MAX} characters are allowed in an email address.")
                    continue
                try:
                    address = self.fast.email(typed)
                except ValueError as exc:
                    bad(index, str(exc))
                    continue
                norm = fast_fold(address)
                row.emails.append((kind, address, norm))
                row.columns.setdefault(f"email:{norm}", headers[index])
        self._address(row, values, bad)
        self._custom(row, values, bad)
        if "external_id" in contact:
            row.columns["external_id"] = self.mapping.column("external_id")
        return (None if problems else row), problems

    def _kind_and_names(self, row: Row, bad: Any) -> None:
        contact = row.contact
        fields = self.mapping.fields
        kind = contact.get("kind", "").lower()
        if kind and kind not in ("person", "company"):
            bad(fields["kind"], f"“{quoted(contact['kind'])}” is not person or company.")
            return
        if not kind:
            row.kind_auto = True
            named = contact.get("first_name") or contact.get("last_name")
            kind = "company" if contact.get("company_name") and not named else "person"
        contact["kind"] = kind
        if kind == "company":
            if not contact.get("company_name"):
                column = fields.get("company_name", fields.get("kind"))
                bad(column, "A company needs a company name.")
            return
        for name, label in (("first_name", "first name"), ("last_name", "last name")):
            if not contact.get(name):
                index = fields.get(name)
                if index is None:
                    bad(
                        fields.get("kind", fields.get("company_name", 0)),
                        f"A person needs a {label}; the file has no {name} column.",
                    )
                else:
                    bad(index, f"A person needs a {label}; this cell is empty.")

    def _address(self, row: Row, values: list[str], bad: Any) -> None:
        parts: dict[str, str] = {}
        for name, index in self.groups.get("address", ()):
            value = " ".join(values[index].split())
            if len(value) > _ADDRESS_MAX[name]:
                bad(
                    index,
                    f"At most {_ADDRESS_MAX[name]} characters are allowed "
                    f"(this has {len(value):,}).",
                )
                return
            if value and not value.isprintable():
                problem = text_problem(value, "This")
                if problem:
                    bad(index, problem)
                    return
            parts[name] = value
        if not any(parts.values()):
            return
        if not parts.get("street") and not parts.get("city"):
            columns = dict(self.groups["address"])
            bad(next(iter(columns.values())), "An address needs at least a street or a city.")
            return
        row.address = (
            parts.get("street", ""),
            parts.get("city", ""),
            parts.get("postal_code", ""),
            parts.get("country", ""),
        )

    def _custom(self, row: Row, values: list[str], bad: Any) -> None:
        pairs = self.groups.get("custom")
        if not pairs:
            return
        typed = {name[len(CUSTOM_PREFIX) :]: values[index] for name, index in pairs}
        clean, errors = clean_custom_fields(typed, self.custom_defs)
        columns = {name[len(CUSTOM_PREFIX) :]: index for name, index in pairs}
        for key, sentence in errors.items():
            bad(columns.get(key.split(".", 1)[-1], pairs[0][1]), sentence)
        row.custom = clean
