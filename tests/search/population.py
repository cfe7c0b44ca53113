"""A small, awkward population for search tests (ORM rows), and a brute-force reference filter.

The reference is written from the specification, independently of the engine: it folds the
*original* values itself, applies the Like rules in plain Python and resolves each field to the
contact that owns it.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from commcentre_tui import models as m
from commcentre_tui.repo.db import transaction
from commcentre_tui.text import to_e164

#: (kind, first, last, company): accents, scripts, Like metacharacters, quotes, emoji, long names.
PEOPLE: list[tuple[str, str | None, str | None, str | None]] = [
    ("person", "María", "García", None),
    ("person", "Maria", "Georgiou", None),
    ("person", "Mario", "Rossi", None),
    ("person", "Marianna", "Ioannou", None),
    ("person", "Gloria", "Marangos", None),
    ("person", "Victoria", "Zaria", None),
    ("person", "Ari", "Aristidou", None),
    ("person", "Zoë", "Émile", None),
    ("person", "ZOË", "STRAßE", None),
    ("person", "Seán", "O_Brien", None),
    ("person", "Dario", "D'Angelo", None),
    ("person", "Back", "Slash\\Man", None),
    ("person", "Quinn", 'Quote"Q', None),
    ("person", "Sunny", "Smile 😀", None),
    ("person", "Μαρία", "Παπαδοπούλου", None),
    ("person", "Ana", "Maria de la Cruz", None),
    ("person", "Ma", "Ria", None),
    ("person", None, "Solo", None),
    ("person", "Marco", None, None),
    ("person", "Z" * 90, "Longname" * 10, None),
    ("company", None, None, "50%off Ltd"),
    ("company", None, None, "Marathon Trading Ltd"),
    ("company", None, None, "Aria Holdings"),
    ("company", None, None, "Under_Score & Co"),
    ("company", None, None, "Café Maria"),
    ("company", "Contact", "Person", "Mar Shipping"),
]
CITIES = ["Nicosia", "Limassol", "Larnaca", "Paphos", "Αγία Νάπα", "Mar del Plata"]
STREETS = ["Makariou III Avenue", "Ledras Street", "Ayias Fylaxeos 12", "Odos 50%", "Rue d'Aria"]
PHONE_FORMATS = ["{n}", "{a} {b}", "+357 {n}", "00357{n}", "(+357) {a}-{b}"]


@dataclass
class Person:
    """What the population stored for one contact (original values)."""

    id: int
    kind: str
    first_name: str | None
    last_name: str | None
    company_name: str | None
    customer_number: str
    id_number: str | None
    national_id: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    addresses: list[dict[str, str]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)


def build(engine: Engine, copies: int = 1) -> list[Person]:
    """Insert the population ``copies`` times; returns what was stored, by contact."""
    out: list[Person] = []
    serial = itertools.count(1)
    with transaction(engine) as session:
        for copy in range(copies):
            for i, (kind, first, last, company) in enumerate(PEOPLE):
                n = next(serial)
                contact = m.Contact(
                    kind=kind,
                    first_name=first,
                    last_name=last,
                    company_name=company,
                    customer_number=f"c{n:07d}",
                    id_number=f"x{n:05d}-{copy}" if i % 3 else None,
                    # typed the ways people do: spaces, dashes, dots, either case
                    national_id=f"{'kK'[i % 2]}-{n:04d} {i % 10}.{copy}" if i % 4 != 3 else None,
                )
                session.add(contact)
                session.flush()
                person = Person(
                    contact.id,
                    kind,
                    first,
                    last,
                    company,
                    f"C{n:07d}",
                    contact.id_number,
                    contact.national_id,
                )
                digits = f"99{n:06d}"
                for k in range(1 + i % 2):
                    raw = PHONE_FORMATS[(i + k) % len(PHONE_FORMATS)].format(
                        n=digits if k == 0 else f"22{n:06d}",
                        a=digits[:2] if k == 0 else "22",
                        b=digits[2:] if k == 0 else f"{n:06d}",
                    )
                    session.add(
                        m.ContactPhone(
                            contact_id=contact.id,
                            number=raw,
                            e164=to_e164(raw, "CY"),
                            is_primary=k == 0,
                        )
                    )
                    person.phones.append(raw)
                local = (first or company or "someone").split()[0]
                email = f"{local}.{n}@Example.COM"
                session.add(m.ContactEmail(contact_id=contact.id, address=email, is_primary=True))
                person.emails.append(email)
                addr = {
                    "street": STREETS[i % len(STREETS)],
                    "city": CITIES[(i + copy) % len(CITIES)],
                    "postal_code": f"{1000 + n}",
                    "country": "Cyprus" if i % 4 else "Κύπρος",
                }
                session.add(m.ContactAddress(contact_id=contact.id, **addr))
                person.addresses.append(addr)
                if i % 2 == 0:
                    account = m.Account(contact_id=contact.id, number=f"A{n:08d}")
                    session.add(account)
                    session.flush()
                    person.accounts.append(account.number)
                    sub = m.Subscription(
                        account_id=account.id, number=f"S{n:08d}", start_date=date(2025, 1, 1)
                    )
                    session.add(sub)
                    person.subscriptions.append(sub.number)
                if i % 5 == 0:
                    case = m.Case(contact_id=contact.id, number=f"CS{n:07d}", subject="Issue")
                    session.add(case)
                    person.cases.append(case.number)
                out.append(person)
    return out


# --- the reference -----------------------------------------------------------------------


def ref_fold(value: str | None) -> str:
    """Casefold, strip accents (NFKD, drop combining marks), collapse whitespace."""
    if not value:
        return ""
    text = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def ref_upper(value: str | None) -> str:
    return (value or "").strip().upper()


def ref_id(value: str | None) -> str:
    """Identity numbers: only the letters and digits count, case ignored."""
    return "".join(c for c in (value or "") if c.isalnum()).upper()


NORMS = {
    "first_name": ref_fold,
    "last_name": ref_fold,
    "company_name": ref_fold,
    "email": ref_fold,
    "street": ref_fold,
    "city": ref_fold,
    "postal_code": ref_fold,
    "country": ref_fold,
    "customer_number": ref_upper,
    "id_number": ref_upper,
    "account_number": ref_upper,
    "subscription_number": ref_upper,
    "case_number": ref_upper,
    "national_id": ref_id,
}


def stored(person: Person, name: str) -> list[str | None]:
    """The original values of field ``name`` for ``person``."""
    if name in (
        "first_name",
        "last_name",
        "company_name",
        "customer_number",
        "id_number",
        "national_id",
    ):
        return [getattr(person, name)]
    if name == "email":
        return list(person.emails)
    if name == "phone":
        return list(person.phones)
    if name in ("street", "city", "postal_code", "country"):
        return [a[name] for a in person.addresses]
    return list(
        {
            "account_number": person.accounts,
            "subscription_number": person.subscriptions,
            "case_number": person.cases,
        }[name]
    )


def like(stored_norm: str, value: str, norm: object) -> bool:
    """The seed's Like: % only as first/last character; no % means "starts with"."""
    v = value.strip()
    lead = v.startswith("%")
    trail = len(v) > 1 and v.endswith("%")
    core = v[1:] if lead else v
    core = core[:-1] if trail else core
    q = norm(core)  # type: ignore[operator]
    if not q:
        return False
    if lead and trail:
        return q in stored_norm
    if lead:
        return stored_norm.endswith(q)
    return stored_norm.startswith(q)


def matches(person: Person, name: str, op: str, value: str) -> bool:
    """Whether ``person`` matches ``name op value`` (text fields; phones with ``=``)."""
    if name == "phone":
        assert op == "="
        want = to_e164(value.strip(), "CY")
        return want is not None and any(to_e164(p, "CY") == want for p in person.phones)
    norm = NORMS[name]
    for raw in stored(person, name):
        s = norm(raw)
        if op == "=" and s and s == norm(value):
            return True
        if op == "like" and like(s, value, norm):
            return True
    return False


def expected(people: list[Person], name: str, op: str, value: str) -> list[int]:
    """Ids of the matching contacts, in the engine's order: (folded "last first" or company, id)."""
    hits = [p for p in people if matches(p, name, op, value)]
    return [p.id for p in sorted(hits, key=sort_key)]


def sort_key(person: Person) -> tuple[str, int]:
    last, first = ref_fold(person.last_name), ref_fold(person.first_name)
    name = f"{last} {first}".strip() if (last or first) else ref_fold(person.company_name)
    return (name, person.id)
