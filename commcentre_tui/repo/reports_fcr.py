"""The ``fcr`` report: first-contact resolution.

An **issue** is a customer and a communication category (``Billing``, ``Technical Issue`` …).
A **first contact** is an incoming communication from a customer (any media) in the range with
no incoming communication of the same customer and category in the ``N`` days before it. It is
**resolved at first contact** when none follows in the ``N`` days after it either. ``N`` is
``[communications] first_contact_days`` (7 by default). Times compare to the second; two
communications at the same second are ordered by their number (id). Rows are grouped by the
first contact's time, its agent or that agent's unit; ``fcr_percent`` = resolved ÷ first
contacts × 100, one decimal.

Both databases read the incoming communications from ``N + 1`` days before the range to
``N + 1`` days after it (a range of ``ix_communication_direction_created`` alone), each issue's
in order of (second, number). If any earlier one of the issue is within ``N`` days, the one just
before is: a communication is a first contact when the one before it is another issue's or more
than ``N`` days older, resolved when the one after it is another issue's or more than ``N`` days
newer. PostgreSQL finds the neighbours with ``LAG``/``LEAD`` and returns the counts; SQLite,
whose window functions are slower than its sort, returns the sorted rows and Python walks them
(each the faster on its database).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Engine, and_, case, cast, func, literal, or_, select
from sqlmodel import col

from commcentre_tui.models import Agent, Communication
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.report_keys import keys_for
from commcentre_tui.repo.wallboard import epoch_seconds

if TYPE_CHECKING:
    from commcentre_tui.repo.reports import Report  # noqa: F811 - at run time

#: Per row key: [first contacts, resolved].
Found = dict[tuple[str, ...], list[int]]


def fcr_report(engine: Engine, start: datetime, end: datetime, by: str | None, days: int) -> Report:
    from commcentre_tui.repo.reports import Report

    if days < 1:
        raise ValueError("The first-contact window must be at least 1 day.")
    count = _by_window if engine.dialect.name == "postgresql" else _by_walk
    found = count(engine, start, end, [by] if by else [], days)
    rows = [
        (*key, first, resolved, round(100 * resolved / first, 1))
        for key, (first, resolved) in sorted(found.items())
        if first
    ]
    names = tuple([by] if by else [])
    return Report("fcr", (*names, "first_contacts", "resolved", "fcr_percent"), rows, len(names))


def _second(engine: Engine) -> Any:
    return cast(epoch_seconds(engine, col(Communication.created_at)), BigInteger).label("second")


def _span(start: datetime, end: datetime, days: int) -> tuple[Any, ...]:
    """The incoming communications a range's figures depend on."""
    c = Communication
    pad = timedelta(days=days + 1)  # every neighbour within N days of the range is inside
    return (
        col(c.direction) == "incoming",
        col(c.created_at) >= start - pad,
        col(c.created_at) < end + pad,
        col(c.contact_id).is_not(None),
    )


def _by_window(engine: Engine, start: datetime, end: datetime, by: list[str], days: int) -> Found:
    c = Communication
    n = (
        select(col(c.id), col(c.contact_id), col(c.category), col(c.agent_id), col(c.created_at))
        .add_columns(_second(engine))
        .where(*_span(start, end, days))
        .subquery("incoming")
        .c
    )
    issue, order = (n.contact_id, n.category), (n.second, n.id)  # one window: one sort
    i = (
        select(
            n.agent_id,
            n.created_at,
            n.second,
            func.lag(n.second).over(partition_by=issue, order_by=order).label("previous"),
            func.lead(n.second).over(partition_by=issue, order_by=order).label("next"),
        )
        .subquery("issues")
        .c
    )
    window = days * 86_400
    repeated = i.next.is_not(None) & (i.next <= i.second + window)
    keys = keys_for(engine, by, i.created_at)
    query = select(*keys.exprs, func.count(), func.sum(case((repeated, 0), else_=1)))
    if keys.joins_agent:
        query = query.outerjoin(Agent, col(Agent.id) == i.agent_id)
    query = query.where(
        i.created_at >= start,
        i.created_at < end,
        or_(i.previous.is_(None), i.previous < i.second - window),
    )
    if keys.exprs:
        query = query.group_by(*keys.exprs)
    with reading(engine) as session:
        return {
            tuple(str(v) for v in labels): [int(first), int(resolved or 0)]
            for *labels, first, resolved in session.execute(query).all()
        }


def _by_walk(engine: Engine, start: datetime, end: datetime, by: list[str], days: int) -> Found:
    c = Communication
    keys = keys_for(engine, by, col(c.created_at))
    in_range = and_(col(c.created_at) >= start, col(c.created_at) < end)
    second = _second(engine)
    label = keys.exprs[0] if keys.exprs else literal("")  # ``by`` is one grouping or none
    counted = case((in_range, label), else_=None)  # NULL: only a neighbour, outside the range
    query = select(col(c.contact_id), col(c.category), second, counted)
    if keys.joins_agent:
        query = query.outerjoin(Agent, col(Agent.id) == col(c.agent_id))
    query = query.where(*_span(start, end, days)).order_by(
        col(c.contact_id), col(c.category), second, col(c.id)
    )
    with reading(engine) as session:  # the driver's rows at once: no per-row result objects
        rows = session.connection().execute(query).cursor.fetchall()
    found = _walk(rows, days * 86_400)
    return {((str(k),) if by else ()): totals for k, totals in found.items()}


def _walk(rows: Any, window: int) -> dict[Any, list[int]]:
    """First contacts and resolved ones per label, from rows (customer, category, second, label
    or ``None`` outside the range) in order of issue, second and number."""
    found: dict[Any, list[int]] = {}
    last_contact = last_category = None
    last = 0
    pending: list[int] | None = None  # the totals of the first contact just seen
    for contact, category, second, label in rows:
        near = second - last <= window and contact == last_contact and category == last_category
        if pending is not None:
            if not near:
                pending[1] += 1
            pending = None
        if label is not None and not near:
            pending = found.get(label)
            if pending is None:
                pending = found[label] = [0, 0]
            pending[0] += 1
        last_contact, last_category, last = contact, category, second
    if pending is not None:
        pending[1] += 1
    return found
