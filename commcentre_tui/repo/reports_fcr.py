"""The ``fcr`` report: first-contact resolution.

An **issue** is a customer and a communication category (``Billing``, ``Technical Issue`` …).
A **first contact** is an incoming communication from a customer (any media) in the range with
no incoming communication of the same customer and category in the ``N`` days before it. It is
**resolved at first contact** when none follows in the ``N`` days after it either. ``N`` is
``[communications] first_contact_days`` (7 by default). Times compare to the second; two
communications at the same second are ordered by their number (id). Rows are grouped by the
first contact's time, its agent or that agent's unit; ``fcr_percent`` = resolved ÷ first
contacts × 100, one decimal.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased
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
    other = aliased(Communication)
    window = days * 86_400
    mine, theirs = (
        epoch_seconds(engine, col(c.created_at)),
        epoch_seconds(engine, col(other.created_at)),
    )

    def repeat(before: bool) -> Any:
        near = (
            and_(theirs < mine, theirs >= mine - window)
            if before
            else and_(theirs > mine, theirs <= mine + window)
        )
        tie = and_(
            theirs == mine, col(other.id) < col(c.id) if before else col(other.id) > col(c.id)
        )
        return exists().where(
            col(other.contact_id) == col(c.contact_id),
            col(other.category) == col(c.category),
            col(other.direction) == "incoming",
            col(other.created_at) >= (start - _pad(days) if before else start),
            or_(near, tie),
        )

    keys = keys_for(engine, [by] if by else [], col(c.created_at))
    query = select(
        *keys.exprs, func.count(), func.sum(case((repeat(before=False), 0), else_=1))
    ).select_from(c)
    if keys.joins_agent:
        query = query.outerjoin(Agent, col(Agent.id) == col(c.agent_id))
    query = query.where(
        col(c.created_at) >= start,
        col(c.created_at) < end,
        col(c.direction) == "incoming",
        col(c.contact_id).is_not(None),
        ~repeat(before=True),
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


def _pad(days: int) -> Any:
    from datetime import timedelta

    return timedelta(days=days + 1)
