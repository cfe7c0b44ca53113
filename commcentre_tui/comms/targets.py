"""Which record a template's tags refer to when it goes to many customers: ONE rule, shared by
``commcentre notify --segment …`` and the console's "Notify these results".

A template says what it is about (``Template.about``, ``about = …`` in its file):

* ``customer`` (the default) — the customer, their first account, that account's newest active
  subscription and latest bill, as a single message without a related record reads them;
* ``overdue bill`` — the customer's oldest unpaid or partly paid bill past its due date, with that
  bill's account and subscription;
* ``latest bill`` — the customer's newest bill (any account), with its account and subscription;
* ``newest subscription`` — the customer's newest subscription, with its account.

A customer for whom that record does not exist (no overdue bill …) is **left out** and reported
with the reason (:data:`MISSING`): a message is never built from another record. Set-based: a
few queries for any number of customers; contacts that no longer exist are left out silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session

from commcentre_tui.comms.context import T_ACCOUNT, T_BILL, T_CONTACT, T_SUB, ContextKey, ids_in
from commcentre_tui.errors import ValidationFailed

DEFAULT_ABOUT = "customer"

#: What a template may be about → what that means (for help texts and the Templates screen).
ABOUT: dict[str, str] = {
    "customer": "the customer: first account, its newest active subscription and latest bill",
    "overdue bill": "the oldest unpaid bill past its due date (customers without one are skipped)",
    "latest bill": "the newest bill (customers without a bill are skipped)",
    "newest subscription": "the newest subscription (customers without one are skipped)",
}

#: ``about`` → why a customer without that record is skipped ("has no overdue bill").
MISSING: dict[str, str] = {
    "overdue bill": "no overdue bill",
    "latest bill": "no bill",
    "newest subscription": "no subscription",
}


def check_about(about: str) -> str:
    """``about`` normalised, or ``ValidationFailed`` naming the choices."""
    value = " ".join((about or DEFAULT_ABOUT).replace("_", " ").split()).casefold()
    if value not in ABOUT:
        raise ValidationFailed(
            f"A template can be about {', '.join(repr(a) for a in ABOUT)}; not {about!r}.", "about"
        )
    return value


def record_keys(
    session: Session,
    about: str,
    contact_ids: Iterable[int],
    *,
    today: date,
    within: Any = None,
) -> tuple[list[ContextKey], list[int]]:
    """The records each customer's message is about, by contact id, and the contacts skipped
    because they have no such record (by contact id).

    ``within`` (a SELECT of contact ids, e.g. a segment) filters the queries instead of the id
    list, which is then only used to name the skipped ones — cheaper for very large audiences.
    """
    about = check_about(about)
    ids = set(contact_ids)
    if not ids:
        return [], []

    def of(column: Any) -> Any:
        return column.in_(within) if within is not None else ids_in(session, column, ids)

    if within is None:
        ids = set(session.execute(select(T_CONTACT.c.id).where(of(T_CONTACT.c.id))).scalars())
    a, b, s = T_ACCOUNT.c, T_BILL.c, T_SUB.c
    if about == "customer":
        keys = _customer_keys(session, ids, of)
    elif about in ("overdue bill", "latest bill"):
        if about == "overdue bill":
            order: tuple[Any, ...] = (b.due_date, b.id)
            where: tuple[Any, ...] = (b.status.in_(("unpaid", "partly_paid")), b.due_date < today)
        else:
            order, where = (b.bill_date.desc(), b.id.desc()), ()
        rank = func.row_number().over(partition_by=a.contact_id, order_by=order).label("rank")
        inner = (
            select(a.contact_id, b.account_id, b.subscription_id, b.id.label("bill_id"), rank)
            .join(T_ACCOUNT, a.id == b.account_id)
            .where(of(a.contact_id), *where)
            .subquery()
        )
        rows = session.execute(
            select(
                inner.c.contact_id, inner.c.account_id, inner.c.subscription_id, inner.c.bill_id
            ).where(inner.c.rank == 1)
        ).all()
        keys = {cid: ContextKey(cid, acc, sub, bill) for cid, acc, sub, bill in rows}
    else:  # newest subscription
        rank = (
            func.row_number()
            .over(partition_by=a.contact_id, order_by=(s.start_date.desc(), s.id.desc()))
            .label("rank")
        )
        inner = (
            select(a.contact_id, s.account_id, s.id.label("sub_id"), rank)
            .join(T_ACCOUNT, a.id == s.account_id)
            .where(of(a.contact_id))
            .subquery()
        )
        rows = session.execute(
            select(inner.c.contact_id, inner.c.account_id, inner.c.sub_id).where(inner.c.rank == 1)
        ).all()
        keys = {cid: ContextKey(cid, acc, sub) for cid, acc, sub in rows}
    missing = sorted(ids - set(keys))
    return [keys[cid] for cid in sorted(keys) if cid in ids], missing


def _customer_keys(session: Session, ids: set[int], of: Any) -> dict[int, ContextKey]:
    """The default: first account, its newest active subscription and its latest bill."""
    a, b, s = T_ACCOUNT.c, T_BILL.c, T_SUB.c
    keys = {cid: ContextKey(cid) for cid in ids}
    first_account: dict[int, int] = dict(
        session.execute(
            select(a.contact_id, func.min(a.id)).where(of(a.contact_id)).group_by(a.contact_id)
        )
        .tuples()
        .all()
    )
    accounts = set(first_account.values())
    subs = _newest(
        session,
        T_SUB,
        accounts,
        (case((s.status == "active", 0), else_=1), s.start_date.desc(), s.id.desc()),
    )
    bills = _newest(session, T_BILL, accounts, (b.bill_date.desc(), b.id.desc()))
    for cid, acc in first_account.items():
        keys[cid] = ContextKey(cid, acc, subs.get(acc), bills.get(acc))
    return keys


def _newest(
    session: Session, table: object, account_ids: set[int], order: tuple[Any, ...]
) -> dict[int, int]:
    """account id → the id of its first row of ``table`` in ``order``."""
    if not account_ids:
        return {}
    c = table.c  # type: ignore[attr-defined]  # a SQLModel __table__, untyped in the stubs
    rank = func.row_number().over(partition_by=c.account_id, order_by=order).label("rank")
    inner = (
        select(c.account_id, c.id, rank)
        .where(ids_in(session, c.account_id, account_ids))
        .subquery()
    )
    return dict(
        session.execute(select(inner.c.account_id, inner.c.id).where(inner.c.rank == 1))
        .tuples()
        .all()
    )
