"""The ``fcr`` report: first-contact resolution.

An **issue** is a customer and a communication category (``Billing``, ``Technical Issue`` …).
A **first contact** is an incoming communication from a customer (any media) in the range with
no incoming communication of the same customer and category in the ``N`` days before it. It is
**resolved at first contact** when none follows in the ``N`` days after it either. ``N`` is
``[communications] first_contact_days`` (7 by default). Times compare to the second; two
communications at the same second are ordered by their number (id). Rows are grouped by the
first contact's time, its agent or that agent's unit; ``fcr_percent`` = resolved ÷ first
contacts × 100, one decimal.

One pass over the incoming communications from ``N + 1`` days before the range to ``N + 1``
days after it (from ``ix_communication_direction_created`` alone): each issue's communications
in order of (second, number), with ``LAG``/``LEAD`` giving the one before and the one after. Any earlier
one within ``N`` days means the one just before is, so a first contact is one whose previous
is absent or more than ``N`` days earlier, and it is resolved when its next is absent or more
than ``N`` days later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine, case, func, or_, select
from sqlmodel import col

from commcentre_tui.models import Agent, Communication
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.report_keys import keys_for
from commcentre_tui.repo.wallboard import epoch_seconds

if TYPE_CHECKING:
    from commcentre_tui.repo.reports import Report  # noqa: F811 - at run time


def fcr_report(engine: Engine, start: datetime, end: datetime, by: str | None, days: int) -> Report:
    from commcentre_tui.repo.reports import Report

    if days < 1:
        raise ValueError("The first-contact window must be at least 1 day.")
    c = Communication
    window = days * 86_400
    pad = timedelta(days=days + 1)  # every neighbour within N days of the range is inside
    incoming = (
        select(
            col(c.id),
            col(c.contact_id),
            col(c.category),
            col(c.agent_id),
            col(c.created_at),
            epoch_seconds(engine, col(c.created_at)).label("second"),
        )
        .where(
            col(c.created_at) >= start - pad,
            col(c.created_at) < end + pad,
            col(c.direction) == "incoming",
            col(c.contact_id).is_not(None),
        )
        .subquery("incoming")
    )
    n = incoming.c
    issue, order = (n.contact_id, n.category), (n.second, n.id)  # one window: one sort
    issues = select(
        n.agent_id,
        n.created_at,
        n.second,
        func.lag(n.second).over(partition_by=issue, order_by=order).label("previous"),
        func.lead(n.second).over(partition_by=issue, order_by=order).label("next"),
    ).subquery("issues")
    i = issues.c
    repeated = i.next.is_not(None) & (i.next <= i.second + window)
    keys = keys_for(engine, [by] if by else [], i.created_at)
    query = select(*keys.exprs, func.count(), func.sum(case((repeated, 0), else_=1))).select_from(
        issues
    )
    if keys.joins_agent:
        query = query.outerjoin(Agent, col(Agent.id) == i.agent_id)
    query = query.where(
        i.created_at >= start,
        i.created_at < end,
        or_(i.previous.is_(None), i.previous < i.second - window),
    )
    if keys.exprs:
        query = query.group_by(*keys.exprs)
    rows = []
    with reading(engine) as session:
        for row in session.execute(query).all():
            *labels, first, resolved = row
            if not first:
                continue
            first, resolved = int(first), int(resolved or 0)
            rows.append(
                (*(str(v) for v in labels), first, resolved, round(100 * resolved / first, 1))
            )
    rows.sort()
    names = tuple([by] if by else [])
    return Report("fcr", (*names, "first_contacts", "resolved", "fcr_percent"), rows, len(names))
