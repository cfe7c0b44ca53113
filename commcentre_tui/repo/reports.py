"""Reports over a date range: calls, agents and dispositions, by day or by agent.

One grouped query per report (plain data, no Textual); the definitions are the Wallboard's
(:mod:`commcentre_tui.repo.wallboard`, written out in ``docs/reports.md``). Days are UTC calendar
days; ``--from`` and ``--to`` are both included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, case, func, select
from sqlmodel import col

from commcentre_tui.models import Agent, Communication
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.wallboard import call_measures

KINDS: tuple[str, ...] = ("calls", "agents", "dispositions")
BY: tuple[str, ...] = ("day", "agent")
#: The grouping of each report when ``--by`` is not given.
DEFAULT_BY = {"calls": "day", "agents": "agent", "dispositions": None}
#: Longest range one report may cover (days).
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Report:
    """Rows of a report, each a tuple in the order of ``columns``."""

    kind: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants from the start of ``first`` to the end of ``last``."""
    if last < first:
        raise ValueError("--to must not be before --from.")
    if (last - first).days >= MAX_DAYS:
        raise ValueError(f"A report covers at most {MAX_DAYS} days; choose a shorter range.")
    return (
        datetime.combine(first, time.min, UTC),
        datetime.combine(last + timedelta(days=1), time.min, UTC),
    )


def _day(engine: Engine) -> Any:
    c = col(Communication.created_at)
    if engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", c), "YYYY-MM-DD")
    return func.date(c)


def report(engine: Engine, kind: str, first: date, last: date, by: str | None = None) -> Report:
    """The ``kind`` report (calls, agents, dispositions) from ``first`` to ``last``, grouped
    ``by`` day or agent (``agents`` is always per agent; by day it is per agent and day)."""
    if kind not in KINDS:
        raise ValueError(f"The report is one of {', '.join(KINDS)}, not {kind!r}.")
    if by is not None and by not in BY:
        raise ValueError(f"--by is one of {', '.join(BY)}, not {by!r}.")
    start, end = bounds(first, last)
    by = by or DEFAULT_BY[kind]
    c = Communication
    cti, handled, talk, acw = call_measures(engine)
    phone = col(c.media) == "phone"
    keys: list[Any] = []
    names: list[str] = []
    if kind == "agents" or by == "agent":
        keys.append(func.coalesce(col(Agent.username), "(no agent)"))
        names.append("agent")
    if by == "day":
        keys.append(_day(engine))
        names.append("day")
    if kind == "dispositions":
        keys.append(func.coalesce(col(c.disposition_reason), "(none)"))
        names.append("reason")
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
    query = (
        select(*keys, *measures)
        .select_from(c)
        .outerjoin(Agent, col(Agent.id) == col(c.agent_id))
        .where(col(c.created_at) >= start, col(c.created_at) < end)
        .group_by(*keys)
        .order_by(*keys)
    )
    if kind == "dispositions":
        query = query.where(handled)
    with reading(engine) as session:
        raw = session.execute(query).all()
    return _shape(kind, names, raw)


def _aht(n: int, talk: float, acw: float) -> int | None:
    return round((talk + acw) / n) if n else None


def _shape(kind: str, names: list[str], raw: Sequence[Any]) -> Report:
    width = len(names)
    rows: list[tuple[Any, ...]] = []
    for record in raw:
        key = tuple(str(v) for v in record[:width])
        n, talk, acw, *rest = (float(v or 0) for v in record[width:])
        n_int = int(n)
        if kind == "calls":
            calls_in, calls_out, answered = (int(v) for v in rest)
            rows.append(
                (
                    *key,
                    calls_in,
                    calls_out,
                    answered,
                    n_int,
                    round(talk),
                    round(acw),
                    _aht(n_int, talk, acw),
                )
            )
        elif kind == "agents":
            rows.append(
                (*key, n_int, round(talk), round(acw), _aht(n_int, talk, acw), int(rest[0]))
            )
        else:
            rows.append((*key, n_int))
    columns = {
        "calls": (
            "calls_in",
            "calls_out",
            "answered",
            "handled",
            "talk_seconds",
            "acw_seconds",
            "aht_seconds",
        ),
        "agents": ("handled", "talk_seconds", "acw_seconds", "aht_seconds", "communications"),
        "dispositions": ("calls",),
    }[kind]
    return Report(kind, (*names, *columns), rows)
