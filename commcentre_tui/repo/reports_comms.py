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
    delivery = col(c.delivery)
    groups: list[tuple[list[Any], Any]]  # (columns after the keys, condition) per query
    if kind == "communications":
        groups = [([col(c.media), col(c.direction), col(c.state)], None)]
        names = (*keys.names, "media", "direction", "status")
    else:  # queued and sent from the index alone; the table read only for the failed ones
        groups = [
            ([delivery], delivery.is_not(None) & (delivery != "failed")),
            ([delivery, col(c.last_error)], delivery == "failed"),
        ]
        names = (*keys.names, "delivery", "reason")
    counts: dict[tuple[str, ...], int] = {}
    with reading(engine) as session:
        for extra, condition in groups:
            query = select(*keys.exprs, *extra, func.count()).select_from(c)
            if keys.joins_agent:
                query = query.outerjoin(Agent, col(Agent.id) == col(c.agent_id))
            query = query.where(col(c.created_at) >= start, col(c.created_at) < end)
            if condition is not None:
                query = query.where(condition)
            for row in session.execute(query.group_by(*keys.exprs, *extra)).all():
                *labels, count = row
                key = tuple(str(v) for v in labels)
                if kind == "outbox":  # the reason only for failed deliveries, once per text
                    failed = len(extra) == 2
                    key = (*key[: len(keys.exprs) + 1], reason_of(labels[-1]) if failed else "")
                counts[key] = counts.get(key, 0) + int(count)
    rows = [(*key, counts[key]) for key in sorted(counts)]
    return Report(kind, (*names, "communications"), rows, keys=len(names))
