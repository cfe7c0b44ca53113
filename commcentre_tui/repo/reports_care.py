"""The ``care`` report: tasks, cases and activities opened in the range, and where they are now.

A cohort report: of the items **opened** (created) in the range, how many are **closed** now (a
status outside :data:`~commcentre_tui.repo.care_queries.OPEN_STATUSES`), still **open**, and
**overdue** (open, and due before now: a task's due time, an activity's expected completion;
cases have no due time). Cases are counted per severity; tasks and activities have none (``-``).
Grouped by the item's creation time, its assigned agent or that agent's unit.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, case, func, literal, select
from sqlmodel import col

from commcentre_tui.models import Activity, Agent, Case, Task
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.care_queries import OPEN_STATUSES
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.report_keys import keys_for

#: (kind, model, its due column or ``None``, counted per severity)
SOURCES: tuple[tuple[str, Any, str | None, bool], ...] = (
    ("task", Task, "due_at", False),
    ("case", Case, None, True),
    ("activity", Activity, "expected_completion_at", False),
)
NO_SEVERITY = "-"

if TYPE_CHECKING:
    from commcentre_tui.repo.reports import Report  # noqa: F811 - at run time


def care_report(
    engine: Engine, start: datetime, end: datetime, by: str | None, now: datetime | None = None
) -> Report:
    from commcentre_tui.repo.reports import Report

    now = now or utcnow()
    found: dict[tuple[str, ...], list[int]] = {}
    with reading(engine) as session:
        for kind, model, due, by_severity in SOURCES:
            keys = keys_for(engine, [by] if by else [], col(model.created_at))
            is_open = col(model.status).in_(OPEN_STATUSES[kind])
            overdue = (
                case((is_open & (getattr(model, due) < now), 1), else_=0) if due else literal(0)
            )
            severity = [col(model.severity)] if by_severity else []
            query = select(
                *keys.exprs,
                *severity,
                func.count(),
                func.sum(case((is_open, 0), else_=1)),
                func.sum(overdue),
            ).select_from(model)
            if keys.joins_agent:
                query = query.outerjoin(Agent, col(Agent.id) == col(model.assigned_agent_id))
            query = query.where(col(model.created_at) >= start, col(model.created_at) < end)
            if keys.exprs or severity:
                query = query.group_by(*keys.exprs, *severity)
            for row in session.execute(query).all():
                *labels, opened, closed, late = row
                if not opened:  # no group: the count over no rows
                    continue
                grade = str(labels.pop()) if by_severity else NO_SEVERITY
                key = (*(str(v) for v in labels), kind, grade)
                totals = found.setdefault(key, [0, 0, 0])
                totals[0] += int(opened)
                totals[1] += int(closed or 0)
                totals[2] += int(late or 0)
    rows = [(*key, o, c, o - c, late) for key, (o, c, late) in sorted(found.items())]
    names = (*([by] if by else []), "kind", "severity")
    return Report("care", (*names, "opened", "closed", "open", "overdue"), rows, keys=len(names))
