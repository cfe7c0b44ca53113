"""Reports over a date range: calls, agents, dispositions, communications, outbox, care and
first-contact resolution, grouped by hour, day, week, agent or unit.

One or two grouped queries per report (plain data, no Textual); the call definitions are the
Wallboard's (:mod:`commcentre_tui.repo.wallboard`), all written out in ``docs/reports.md``.
Times are UTC; ``--from`` and ``--to`` are whole days, both included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, case, func, select
from sqlmodel import col

from commcentre_tui.models import Agent, Communication
from commcentre_tui.models.security import QueueAbandon
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.report_keys import (
    BY,
    MAX_DAYS,
    NO_AGENT,
    NO_UNIT,
    TIMES,
    bounds,
    check_by,
    keys_for,
)
from commcentre_tui.repo.wallboard import call_measures

KINDS: tuple[str, ...] = (
    "calls",
    "agents",
    "dispositions",
    "communications",
    "outbox",
    "care",
    "fcr",
)
#: The grouping of each report when ``--by`` is not given (``None``: the whole range).
DEFAULT_BY: dict[str, str | None] = {
    "calls": "day",
    "agents": "agent",
    "dispositions": None,
    "communications": None,
    "outbox": None,
    "care": None,
    "fcr": None,
}
#: The column a chart of each report draws (one bar or sparkline point per row).
CHARTED = {
    "calls": "handled",
    "agents": "handled",
    "dispositions": "calls",
    "communications": "communications",
    "outbox": "communications",
    "care": "opened",
    "fcr": "first_contacts",
}
__all__ = ["BY", "KINDS", "MAX_DAYS", "Report", "bounds", "report"]


@dataclass(frozen=True, slots=True)
class Report:
    """Rows of a report, each a tuple in the order of ``columns`` (the keys first)."""

    kind: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    keys: int = 1
    """How many leading columns name the row (agent, day, reason …)."""

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def label(self, row: tuple[Any, ...]) -> str:
        """The row's keys as one label: ``ana · 2026-03-29``."""
        return " · ".join(str(v) for v in row[: self.keys]) or "all"


def report(
    engine: Engine,
    kind: str,
    first: date,
    last: date,
    by: str | None = None,
    *,
    fcr_days: int = 7,
) -> Report:
    """The ``kind`` report from ``first`` to ``last`` grouped ``by`` (see ``DEFAULT_BY``)."""
    if kind not in KINDS:
        raise ValueError(f"The report is one of {', '.join(KINDS)}, not {kind!r}.")
    check_by(by)
    start, end = bounds(first, last)
    by = by or DEFAULT_BY[kind]
    if kind in ("calls", "agents", "dispositions"):
        return _calls(engine, kind, start, end, by)
    if kind in ("communications", "outbox"):
        from commcentre_tui.repo.reports_comms import comms_report

        return comms_report(engine, kind, start, end, by)
    if kind == "care":
        from commcentre_tui.repo.reports_care import care_report

        return care_report(engine, start, end, by)
    from commcentre_tui.repo.reports_fcr import fcr_report

    return fcr_report(engine, start, end, by, fcr_days)


def _grouping(kind: str, by: str | None) -> list[str]:
    if kind == "agents":  # always per agent (or unit), and per hour/day/week when asked
        if by == "unit":
            return ["unit"]
        return ["agent", *([by] if by in TIMES else [])]
    return [by] if by else []


def _calls(engine: Engine, kind: str, start: datetime, end: datetime, by: str | None) -> Report:
    c = Communication
    grouping = _grouping(kind, by)
    keys = keys_for(engine, grouping, col(c.created_at))
    exprs, names = list(keys.exprs), list(keys.names)
    if kind == "dispositions":
        exprs.append(func.coalesce(col(c.disposition_reason), "(none)"))
        names.append("reason")
    cti, handled, talk, acw = call_measures(engine)
    phone = col(c.media) == "phone"
    measures: list[ColumnElement[Any]] = [
        func.sum(case((handled, 1), else_=0)),
        func.sum(case((handled, talk), else_=0)),
        func.sum(case((handled, acw), else_=0)),
    ]
    if kind == "calls":
        measures += [
            func.sum(case(((phone & (col(c.direction) == "incoming")), 1), else_=0)),
            func.sum(case(((phone & (col(c.direction) == "outgoing")), 1), else_=0)),
            func.sum(case(((phone & cti), 1), else_=0)),
        ]
    elif kind == "agents":
        measures.append(func.count())
    query = select(*exprs, *measures).select_from(c)
    if keys.joins_agent:
        query = query.outerjoin(Agent, col(Agent.id) == col(c.agent_id))
    query = query.where(col(c.created_at) >= start, col(c.created_at) < end)
    if kind == "dispositions":
        query = query.where(handled)
    if exprs:
        query = query.group_by(*exprs)
    with reading(engine) as session:
        raw = [tuple(r) for r in session.execute(query).all()]
        abandoned = _abandoned(session, engine, start, end, grouping) if kind == "calls" else {}
    return _shape(kind, names, raw, abandoned)


def _abandoned(
    session: Any, engine: Engine, start: datetime, end: datetime, grouping: list[str]
) -> dict[tuple[str, ...], int]:
    """Abandoned calls per row key: by time of abandon; no agent took them."""
    a = QueueAbandon
    when = col(a.abandoned_at)
    times = [g for g in grouping if g in TIMES]
    keys = keys_for(engine, times, when)
    query = select(*keys.exprs, func.count()).where(when >= start, when < end)
    if keys.exprs:
        query = query.group_by(*keys.exprs)
    found: dict[tuple[str, ...], int] = {}
    for row in session.execute(query).all():
        labels = iter(str(v) for v in row[:-1])
        key = tuple(
            NO_AGENT if g == "agent" else NO_UNIT if g == "unit" else next(labels) for g in grouping
        )
        if row[-1]:
            found[key] = int(row[-1])
    return found


def _aht(n: int, talk: float, acw: float) -> int | None:
    return round((talk + acw) / n) if n else None


def _shape(
    kind: str,
    names: list[str],
    raw: Sequence[tuple[Any, ...]],
    abandoned: dict[tuple[str, ...], int],
) -> Report:
    width = len(names)
    rows: dict[tuple[str, ...], tuple[Any, ...]] = {}
    for record in raw:
        key = tuple(str(v) for v in record[:width])
        n, talk, acw, *rest = (float(v or 0) for v in record[width:])
        n_int = int(n)
        if kind == "calls":
            calls_in, calls_out, answered = (int(v) for v in rest)
            rows[key] = (
                calls_in,
                calls_out,
                answered,
                abandoned.pop(key, 0),
                n_int,
                round(talk),
                round(acw),
                _aht(n_int, talk, acw),
            )
        elif kind == "agents":
            rows[key] = (n_int, round(talk), round(acw), _aht(n_int, talk, acw), int(rest[0]))
        else:
            rows[key] = (n_int,)
    for key, count in abandoned.items():  # ranges with abandoned calls and nothing else
        rows[key] = (0, 0, 0, count, 0, 0, 0, None)
    columns = {
        "calls": (
            "calls_in",
            "calls_out",
            "answered",
            "abandoned",
            "handled",
            "talk_seconds",
            "acw_seconds",
            "aht_seconds",
        ),
        "agents": ("handled", "talk_seconds", "acw_seconds", "aht_seconds", "communications"),
        "dispositions": ("calls",),
    }[kind]
    ordered = [(*key, *rows[key]) for key in sorted(rows)]
    return Report(kind, (*names, *columns), ordered, keys=width)
