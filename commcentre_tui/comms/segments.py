"""Segments for bulk notifications: WHICH customers. What each message is about (the overdue
bill, the newest subscription …) is the template's choice, by the one rule of :mod:`.targets`.

* ``overdue`` — contacts with an unpaid (or partly paid) bill past its due date;
* ``new`` — new subscribers: contacts whose first subscription started on or after ``since``;
* ``active`` — contacts with an active subscription.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from commcentre_tui.comms.context import T_ACCOUNT, T_BILL, T_SUB, ContextKey
from commcentre_tui.comms.targets import record_keys
from commcentre_tui.errors import ValidationFailed

#: Segment name → what it selects (for ``--help`` and the console).
SEGMENTS: dict[str, str] = {
    "overdue": "contacts with an unpaid bill past its due date",
    "new": "new subscribers since a date (--since)",
    "active": "all active subscribers",
}

#: The record a segment is naturally about (for :func:`segment_keys`).
SEGMENT_ABOUT = {
    "overdue": "overdue bill",
    "new": "newest subscription",
    "active": "newest subscription",
}


def segment_contacts(segment: str, *, today: date, since: date | None = None) -> Any:
    """A SELECT of the contact ids of ``segment`` (each once)."""
    a, b, s = T_ACCOUNT.c, T_BILL.c, T_SUB.c
    if segment == "overdue":
        return (
            select(a.contact_id)
            .join(T_BILL, a.id == b.account_id)
            .where(b.status.in_(("unpaid", "partly_paid")), b.due_date < today)
            .distinct()
        )
    if segment == "new":
        if since is None:
            raise ValidationFailed(
                "The new-subscribers segment needs a start date (--since YYYY-MM-DD).", "since"
            )
        return (
            select(a.contact_id)
            .join(T_SUB, a.id == s.account_id)
            .group_by(a.contact_id)
            .having(func.min(s.start_date) >= since)
        )
    if segment == "active":
        return (
            select(a.contact_id)
            .join(T_SUB, a.id == s.account_id)
            .where(s.status == "active")
            .distinct()
        )
    raise ValidationFailed(
        f"There is no segment called {segment!r}; choose one of {', '.join(SEGMENTS)}.", "segment"
    )


def segment_ids(
    session: Session, segment: str, *, today: date, since: date | None = None
) -> list[int]:
    """The contact ids of ``segment``, ascending."""
    query = segment_contacts(segment, today=today, since=since).subquery()
    return list(session.execute(select(query.c.contact_id).order_by(query.c.contact_id)).scalars())


def segment_keys(
    session: Session,
    segment: str,
    *,
    today: date,
    since: date | None = None,
    about: str | None = None,
) -> list[ContextKey]:
    """The keys of the contacts of ``segment`` that have the record ``about`` names (default:
    the segment's own — an overdue customer's overdue bill …), by contact id."""
    query = segment_contacts(segment, today=today, since=since)
    ids = segment_ids(session, segment, today=today, since=since)
    keys, _missing = record_keys(
        session, about or SEGMENT_ABOUT[segment], ids, today=today, within=query
    )
    return keys
