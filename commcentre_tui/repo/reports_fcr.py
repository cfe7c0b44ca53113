"""The ``fcr`` report: first-contact resolution.

An **issue** is a customer and a communication category (``Billing``, ``Technical Issue`` …).
A **first contact** is an incoming communication from a customer (any media) in the range with
no incoming communication of the same customer and category in the ``N`` days before it. It is
**resolved at first contact** when none follows in the ``N`` days after it either. ``N`` is
``[communications] first_contact_days`` (7 by default). Times compare to the second; two
communications at the same second are ordered by their number (id). Rows are grouped by the
first contact's time, its agent or that agent's unit; ``fcr_percent`` = resolved ÷ first
contacts × 100, one decimal.

One sorted read of the incoming communications from ``N + 1`` days before the range to ``N + 1``
days after it (a range of ``ix_communication_direction_created`` alone), each issue's in order
of (second, number), then one walk over them: if any earlier one of the issue is within ``N``
days, the one just before is, so a communication is a first contact when the one before it is
another issue's or more than ``N`` days older, and resolved when the one after it is another
issue's or more than ``N`` days newer. (On both databases this is faster than a
``LAG``/``LEAD`` window or a look-up per communication.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Engine, and_, case, cast, select
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
    second = cast(epoch_seconds(engine, col(c.created_at)), BigInteger).label("second")
    in_range = and_(col(c.created_at) >= start, col(c.created_at) < end)
    keys = keys_for(engine, [by] if by else [], col(c.created_at))
    query = select(
        col(c.contact_id), col(c.category), second, case((in_range, 1), else_=0), *keys.exprs
    ).select_from(c)
    if keys.joins_agent:
        query = query.outerjoin(Agent, col(Agent.id) == col(c.agent_id))
    query = query.where(
        col(c.direction) == "incoming",
        col(c.created_at) >= start - pad,
        col(c.created_at) < end + pad,
        col(c.contact_id).is_not(None),
    ).order_by(col(c.contact_id), col(c.category), second, col(c.id))
    found: dict[tuple[str, ...], list[int]] = {}
    with reading(engine) as session:
        _walk(session.connection().execute(query), window, found)  # Core: no ORM rows
    rows = [
        (*key, first, resolved, round(100 * resolved / first, 1))
        for key, (first, resolved) in sorted(found.items())
    ]
    names = tuple([by] if by else [])
    return Report("fcr", (*names, "first_contacts", "resolved", "fcr_percent"), rows, len(names))


def _walk(rows: Any, window: int, found: dict[tuple[str, ...], list[int]]) -> None:
    """Count first contacts and resolved ones into ``found`` (per key: [first, resolved]) from
    rows (customer, category, second, in range?, *keys) in order of issue, second and number."""
    issue: tuple[Any, Any] | None = None
    last = 0
    pending: list[int] | None = None  # the totals of the first contact just seen
    for contact, category, second, counted, *labels in rows:
        near = (contact, category) == issue and second - last <= window
        if pending is not None:
            pending[1] += not near
            pending = None
        if counted and not near:
            pending = found.setdefault(tuple(str(v) for v in labels), [0, 0])
            pending[0] += 1
        issue, last = (contact, category), second
    if pending is not None:
        pending[1] += 1
