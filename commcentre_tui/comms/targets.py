"""The records a bulk message to chosen contacts is about (the console's "Notify these results").

For each contact: its oldest overdue bill (with that bill's account and subscription) when it
has one — so an overdue reminder sent to search results reads the right bill — else its first
account, that account's newest active subscription and latest bill, as a single message would
(:func:`~commcentre_tui.comms.context.resolve_key`). Set-based: a few queries for any number of
contacts. Contacts that no longer exist are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import case, func, select
from sqlmodel import Session

from commcentre_tui.comms.context import T_ACCOUNT, T_BILL, T_CONTACT, T_SUB, ContextKey, ids_in


def contact_keys(session: Session, contact_ids: Iterable[int], *, today: date) -> list[ContextKey]:
    """One key per existing contact of ``contact_ids``, by contact id."""
    ids = set(contact_ids)
    if not ids:
        return []
    a, b, s = T_ACCOUNT.c, T_BILL.c, T_SUB.c
    existing = session.execute(select(T_CONTACT.c.id).where(ids_in(session, T_CONTACT.c.id, ids))).scalars()
    keys = {cid: ContextKey(cid) for cid in existing}
    if not keys:
        return []

    rank = func.row_number().over(partition_by=a.contact_id, order_by=(b.due_date, b.id)).label("rank")
    overdue = (
        select(a.contact_id, b.account_id, b.subscription_id, b.id.label("bill_id"), rank)
        .join(T_ACCOUNT, a.id == b.account_id)
        .where(ids_in(session, a.contact_id, keys), b.status.in_(("unpaid", "partly_paid")), b.due_date < today)
        .subquery()
    )
    for cid, acc, sub, bill in session.execute(
        select(overdue.c.contact_id, overdue.c.account_id, overdue.c.subscription_id, overdue.c.bill_id)
        .where(overdue.c.rank == 1)
    ).all():
        keys[cid] = ContextKey(cid, acc, sub, bill)

    rest = {cid for cid, key in keys.items() if key.bill_id is None}
    if rest:
        first_account = dict(session.execute(
            select(a.contact_id, func.min(a.id)).where(ids_in(session, a.contact_id, rest)).group_by(a.contact_id)
        ).all())
        accounts = set(first_account.values())
        subs = _newest(session, T_SUB, accounts, (case((s.status == "active", 0), else_=1), s.start_date.desc(),
                                                  s.id.desc()))
        bills = _newest(session, T_BILL, accounts, (b.bill_date.desc(), b.id.desc()))
        for cid, acc in first_account.items():
            keys[cid] = ContextKey(cid, acc, subs.get(acc), bills.get(acc))
    return [keys[cid] for cid in sorted(keys)]


def _newest(session: Session, table: object, account_ids: set[int], order: tuple[object, ...]) -> dict[int, int]:
    """account id → the id of its first row of ``table`` in ``order``."""
    if not account_ids:
        return {}
    c = table.c  # type: ignore[attr-defined]
    rank = func.row_number().over(partition_by=c.account_id, order_by=order).label("rank")
    inner = select(c.account_id, c.id, rank).where(ids_in(session, c.account_id, account_ids)).subquery()
    return dict(session.execute(select(inner.c.account_id, inner.c.id).where(inner.c.rank == 1)).all())
