"""What a report's rows are grouped by: an hour, day or week of a stored time, an agent, a unit.

Labels are plain text both databases produce alike: hour ``2026-03-29 13:00``, day
``2026-03-29``, week ``2026-03-23`` (the week's Monday, ISO weeks); all in UTC. An agent is
their username, a unit the agent's unit; rows without one read ``(no agent)`` / ``(no unit)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, func, literal
from sqlmodel import col

from commcentre_tui.models import Agent

#: Time groupings.
TIMES: tuple[str, ...] = ("hour", "day", "week")
#: Every grouping a report accepts.
BY: tuple[str, ...] = (*TIMES, "agent", "unit")
NO_AGENT, NO_UNIT = "(no agent)", "(no unit)"
#: Longest range one report may cover (days).
MAX_DAYS = 366


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


def time_key(engine: Engine, column: Any, by: str) -> Any:
    """The label of ``column``'s hour, day or week (UTC)."""
    if engine.dialect.name == "postgresql":
        utc = func.timezone("UTC", column)
        if by == "week":
            return func.to_char(func.date_trunc("week", utc), "YYYY-MM-DD")
        return func.to_char(utc, "YYYY-MM-DD HH24:00" if by == "hour" else "YYYY-MM-DD")
    if by == "week":  # the next Sunday (or today), less six days: this week's Monday
        return func.date(column, literal("weekday 0"), literal("-6 days"))
    if by == "hour":
        return func.strftime(literal("%Y-%m-%d %H:00"), column)
    return func.date(column)


def label_of(moment: datetime, by: str) -> str:
    """The label :func:`time_key` gives ``moment`` (the brute-force tests and the merges)."""
    moment = moment.astimezone(UTC)
    if by == "hour":
        return f"{moment:%Y-%m-%d %H}:00"
    if by == "week":
        return str(moment.date() - timedelta(days=moment.weekday()))
    return str(moment.date())


@dataclass(frozen=True, slots=True)
class Keys:
    """The grouping expressions of one report, their column names, and whether they read the
    agent (the query then joins ``agent`` on ``agent_column``)."""

    exprs: tuple[Any, ...]
    names: tuple[str, ...]
    joins_agent: bool


def keys_for(engine: Engine, by: Sequence[str], created: Any) -> Keys:
    """Grouping by each of ``by`` in order (``agent``, ``unit``, or a time of ``created``)."""
    exprs: list[Any] = []
    for name in by:
        if name == "agent":
            exprs.append(func.coalesce(col(Agent.username), NO_AGENT))
        elif name == "unit":
            exprs.append(func.coalesce(col(Agent.unit), NO_UNIT))
        elif name in TIMES:
            exprs.append(time_key(engine, created, name))
        else:
            raise ValueError(f"--by is one of {', '.join(BY)}, not {name!r}.")
    return Keys(tuple(exprs), tuple(by), any(n in ("agent", "unit") for n in by))


def check_by(by: str | None) -> None:
    """One sentence when ``by`` is not a grouping."""
    if by is not None and by not in BY:
        raise ValueError(f"--by is one of {', '.join(BY)}, not {by!r}.")
