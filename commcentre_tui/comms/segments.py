"""Segments for bulk notifications: which contacts, and which records each message is about.

* ``overdue`` — contacts with an unpaid (or partly paid) bill past its due date; the message is
  about their oldest overdue bill (and its account and subscription).
* ``new`` — new subscribers: contacts whose first subscription started on or after ``since``.
* ``active`` — contacts with an active subscription (their newest one).

One :class:`~commcentre_tui.comms.context.ContextKey` per contact, ordered by contact id.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from commcentre_tui.comms.context import T_ACCOUNT, T_BILL, T_SUB, ContextKey
from commcentre_tui.errors import ValidationFailed

#: Segment name → what it selects (for ``--help`` and the console).
SEGMENTS: dict[str, str] = {
    "overdue": "contacts with an unpaid bill past its due date",
    "new": "new subscribers since a date (--since)",
    "active": "all active subscribers",
}


def segment_keys(session: Session, segment: str, *, today: date, since: date | None = None) -> list[ContextKey]:
    """The contacts of ``segment`` (one key each, by contact id)."""
    a, b, s = T_ACCOUNT.c, T_BILL.c, T_SUB.c
    if segment == "overdue":
        rank = func.row_number().over(partition_by=a.contact_id, order_by=(b.due_date, b.id)).label("rank")
        inner = (
            select(a.contact_id, b.account_id, b.subscription_id, b.id.label("bill_id"), rank)
            .join(T_ACCOUNT, a.id == b.account_id)
            .where(b.status.in_(("unpaid", "partly_paid")), b.due_date < today)
            .subquery()
        )
        rows = session.execute(
            select(inner.c.contact_id, inner.c.account_id, inner.c.subscription_id, inner.c.bill_id)
            .where(inner.c.rank == 1).order_by(inner.c.contact_id)
        ).all()
        return [ContextKey(cid, acc, sub, bill) for cid, acc, sub, bill in rows]
    if segment == "new":
        if since is None:
            raise ValidationFailed("The new-subscribers segment needs a start date (--since YYYY-MM-DD).", "since")
        rank = func.row_number().over(partition_by=a.contact_id, order_by=(s.start_date, s.id)).label("rank")
        inner = (
            select(a.contact_id, s.account_id, s.id.label("sub_id"), s.start_date, rank)
            .join(T_ACCOUNT, a.id == s.account_id)
            .subquery()
        )
        rows = session.execute(
            select(inner.c.contact_id, inner.c.account_id, inner.c.sub_id)
            .where(inner.c.rank == 1, inner.c.start_date >= since).order_by(inner.c.contact_id)
        ).all()
        return [ContextKey(cid, acc, sub) for cid, acc, sub in rows]
    if segment == "active":
        rank = func.row_number().over(
            partition_by=a.contact_id, order_by=(s.start_date.desc(), s.id.desc())
        ).label("rank")
        inner = (
            select(a.contact_id, s.account_id, s.id.label("sub_id"), rank)
            .join(T_ACCOUNT, a.id == s.account_id)
            .where(s.status == "active")
            .subquery()
        )
        rows = session.execute(
            select(inner.c.contact_id, inner.c.account_id, inner.c.sub_id)
            .where(inner.c.rank == 1).order_by(inner.c.contact_id)
        ).all()
        return [ContextKey(cid, acc, sub) for cid, acc, sub in rows]
    raise ValidationFailed(
        f"There is no segment called {segment!r}; choose one of {', '.join(SEGMENTS)}.", "segment"
    )
