"""The ``communications`` and ``outbox`` reports.

- **communications**: every communication created in the range, by media, direction and status
  (``draft``, ``completed``, ``cancelled`` …), under the grouping's keys.
- **outbox**: the outgoing emails and SMS created in the range (those with a delivery), by
  delivery status (``queued``, ``sent``, ``failed``) and, for failed ones, the failure reason
  the outbox recorded (its first line, at most 80 characters).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select
from sqlmodel import col

from commcentre_tui.models import Agent, Communication
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.report_keys import keys_for
from commcentre_tui.text import inert

#: The longest failure reason a report row shows.
REASON_CHARS = 80

if TYPE_CHECKING:
    from commcentre_tui.repo.reports import Report  # noqa: F811 - at run time


def reason_of(error: str | None) -> str:
    """A failure reason as a report shows it: its first line, inert, at most 80 characters."""
    lines = (error or "").strip().splitlines()
    return inert(lines[0]).strip()[:REASON_CHARS] if lines else "(no reason recorded)"


def comms_report(
    engine: Engine, kind: str, start: datetime, end: datetime, by: str | None
) -> Report:
    from commcentre_tui.repo.reports import Report

    c = Communication
    keys = keys_for(engine, [by] if by else [], col(c.created_at))
    extra: list[Any]
    if kind == "communications":
        extra = [col(c.media), col(c.direction), col(c.state)]
        names = (*keys.names, "media", "direction", "status")
    else:
        extra = [col(c.delivery), col(c.last_error)]
        names = (*keys.names, "delivery", "reason")
    query = select(*keys.exprs, *extra, func.count()).select_from(c)
    if keys.joins_agent:
        query = query.outerjoin(Agent, col(Agent.id) == col(c.agent_id))
    query = query.where(col(c.created_at) >= start, col(c.created_at) < end)
    if kind == "outbox":
        query = query.where(col(c.delivery).is_not(None))
    query = query.group_by(*keys.exprs, *extra)
    counts: dict[tuple[str, ...], int] = {}
    with reading(engine) as session:
        for row in session.execute(query).all():
            *labels, count = row
            key = tuple(str(v) for v in labels)
            if kind == "outbox":  # the reason only for failed deliveries, read once per text
                status, error = labels[-2], labels[-1]
                key = (*key[:-1], reason_of(error) if status == "failed" else "")
            counts[key] = counts.get(key, 0) + int(count)
    rows = [(*key, counts[key]) for key in sorted(counts)]
    return Report(kind, (*names, "communications"), rows, keys=len(names))
