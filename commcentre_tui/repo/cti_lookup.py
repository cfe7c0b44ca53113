"""Screen-pop lookups: who is calling (phone, case number, email) and whose extension is this.

Keys are tried from the most specific: a case number (the caller typed it into the IVR), then the
email id, then the phone number normalised to E.164 with ``[search] default_region`` and
matched against every number of every contact. The first key that matches anyone decides.
All queries use the indexes on ``care_case.number``, ``contact_email.address_norm`` and
``contact_phone.e164``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, Select, func, or_, select
from sqlmodel import Session, col

from commcentre_tui.config import Settings
from commcentre_tui.models import Agent, Case, Contact, ContactEmail, ContactPhone
from commcentre_tui.repo.db import reading
from commcentre_tui.text import canon_number, fold, to_e164

#: Most contacts returned for a pick list (``CallerMatch.more`` says when there are others).
PICK_LIST_LIMIT = 10

MatchKind = Literal["one", "several", "none"]


@dataclass(frozen=True, slots=True)
class MatchedContact:
    """A contact the caller may be."""

    id: int
    name: str
    customer_number: str


@dataclass(frozen=True, slots=True)
class CallerMatch:
    """The result of :func:`lookup_caller`.

    ``kind`` is ``one`` (load this customer), ``several`` (offer a pick list) or ``none``
    (unknown caller). ``matched_by`` names the key that decided (``case_number``, ``email``,
    ``phone``); ``case_id``/``case_number`` are set when a case was found. ``phone`` is the
    caller's number in E.164 when it could be read, for pre-filling a new contact.
    """

    kind: MatchKind
    contacts: tuple[MatchedContact, ...] = ()
    matched_by: str | None = None
    case_id: int | None = None
    case_number: str | None = None
    phone: str | None = None
    more: bool = False

    @property
    def contact_id(self) -> int | None:
        """The one contact's id, when ``kind`` is ``one``."""
        return self.contacts[0].id if self.kind == "one" else None


def _contacts(
    session: Session, ids_query: Select[Any], limit: int
) -> tuple[list[MatchedContact], bool]:
    rows = (
        session.execute(
            select(Contact)
            .where(col(Contact.id).in_(ids_query))
            .order_by(col(Contact.sort_name), col(Contact.id))
            .limit(limit + 1)
        )
        .scalars()
        .all()
    )
    found = [MatchedContact(c.id, c.display_name, c.customer_number) for c in rows[:limit] if c.id]
    return found, len(rows) > limit


def _result(
    found: list[MatchedContact], more: bool, by: str, **extra: object
) -> CallerMatch | None:
    if not found:
        return None
    kind: MatchKind = "one" if len(found) == 1 and not more else "several"
    return CallerMatch(kind, tuple(found), by, more=more, **extra)  # type: ignore[arg-type]  # extra holds only CallerMatch's optional keywords


def lookup_caller(
    engine: Engine,
    settings: Settings,
    caller: str | None = None,
    case_number: str | None = None,
    email: str | None = None,
    *,
    limit: int = PICK_LIST_LIMIT,
) -> CallerMatch:
    """Who is calling: by case number, else email, else phone across all contacts' numbers."""
    phone = (
        to_e164(caller.strip(), settings.search.default_region)
        if caller and caller.strip()
        else None
    )
    with reading(engine) as session:
        number = canon_number(case_number)
        if number:
            row = session.execute(
                select(col(Case.id), col(Case.number), col(Case.contact_id)).where(
                    col(Case.number) == number
                )
            ).first()
            if row is not None:
                ids: Select[Any] = select(col(Contact.id)).where(col(Contact.id) == row.contact_id)
                found, more = _contacts(session, ids, limit)
                match = _result(
                    found, more, "case_number", case_id=row.id, case_number=row.number, phone=phone
                )
                if match:
                    return match
        address = fold(email)
        if address:
            ids = select(col(ContactEmail.contact_id)).where(
                col(ContactEmail.address_norm) == address
            )
            match = _result(*_contacts(session, ids, limit), "email", phone=phone)
            if match:
                return match
        if phone:
            ids = select(col(ContactPhone.contact_id)).where(col(ContactPhone.e164) == phone)
            match = _result(*_contacts(session, ids, limit), "phone", phone=phone)
            if match:
                return match
    return CallerMatch("none", phone=phone)


def extension_exists(engine: Engine, extension: str) -> bool:
    """Whether an active agent has ``extension`` (stored as ``1001`` or ``PJSIP/1001``)."""
    extension = extension.strip()
    if not extension:
        return False
    column = col(Agent.extension)
    with reading(engine) as session:
        row = session.execute(
            select(col(Agent.id))
            .where(
                col(Agent.active).is_(True),
                or_(column == extension, column.endswith(f"/{extension}", autoescape=True)),
            )
            .limit(1)
        ).first()
    return row is not None


def agent_extension(engine: Engine, username: str) -> str | None:
    """The extension recorded for the agent ``username`` (``None`` when unset)."""
    with reading(engine) as session:
        return session.execute(
            select(col(Agent.extension)).where(col(Agent.username) == username)
        ).scalar_one_or_none()


def sample_caller_numbers(engine: Engine, count: int, *, seed: int = 1) -> list[str]:
    """Up to ``count`` stored phone numbers as typed, spread over the table (for benchmarks)."""
    import random

    rng = random.Random(seed)
    with reading(engine) as session:
        low, high = session.execute(
            select(func.min(col(ContactPhone.id)), func.max(col(ContactPhone.id)))
        ).one()
        if low is None:
            return []
        numbers = []
        for _ in range(count):
            pick = rng.randint(low, high)
            number = session.execute(
                select(col(ContactPhone.number))
                .where(col(ContactPhone.id) >= pick)
                .order_by(col(ContactPhone.id))
                .limit(1)
            ).scalar_one_or_none()
            if number:
                numbers.append(number)
    return numbers


def contact_count(engine: Engine) -> int:
    """How many contacts the database holds (the benchmark's data size)."""
    with reading(engine) as session:
        return int(session.execute(select(func.count()).select_from(Contact)).scalar_one())
