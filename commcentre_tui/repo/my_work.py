"""My Work: everything waiting for one agent, across customers (issue 21, item 1).

The list holds open care records assigned to the agent, or to the agent's unit with no agent
assigned (the unit's queue): tasks, cases, activities, jobs, service requests and leads; incoming
emails and SMS nobody has handled yet, owned by the agent (who sent what they answer) or their
unit's queue (``inbound_message``); the agent's own Draft communications and their outgoing
communications whose delivery Failed.

Order: by kind (tasks, cases, activities, jobs, service requests, leads, incoming, drafts,
failed), and within a kind by due time (tasks: due; activities: start; jobs: scheduled; an undated one by when
it was created), oldest first — overdue tasks come first. Pages are keyset-paged on
``(kind rank, when, id)``: each kind is one query that starts after the cursor, and the kinds are
read in order until the page is full, so a page costs one or two indexed queries whatever the
size of the backlog. :func:`work_counts` gives the header's "7 · 2 overdue" in one round trip.
The statements themselves are built in :mod:`.my_work_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.repo.db import reading
from commcentre_tui.repo.my_work_sql import (
    COMMUNICATION_KINDS,
    KINDS,
    RANKS,
    count_statement,
    due_filter,
    page_statement,
)
from commcentre_tui.repo.permissions import Actor

#: The due filters: all, overdue (due before now), due today, due this week (Monday–Sunday).
DUE_FILTERS = ("all", "overdue", "today", "week")
DEFAULT_LIMIT = 50

#: A keyset position: (kind rank, when, id).
Cursor = tuple[int, datetime, int]


@dataclass(frozen=True)
class WorkItem:
    """One row of My Work."""

    kind: str
    id: int
    contact_id: int
    customer: str
    """The customer's name."""
    customer_number: str
    number: str
    title: str
    status: str
    due: datetime | None
    when: datetime
    """The sort time: the due time, else when the record was created."""
    mine: bool
    """Assigned to the agent (``False``: to their unit)."""

    @property
    def entity(self) -> str:
        """The record entity (what View opens): drafts and failed ones are communications."""
        return "communication" if self.kind in COMMUNICATION_KINDS else self.kind

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]

    @property
    def cursor(self) -> Cursor:
        return (RANKS[self.kind], self.when, self.id)

    def overdue(self, now: datetime) -> bool:
        return self.due is not None and self.due < now


@dataclass(frozen=True)
class WorkPage:
    """One page of My Work; pass ``cursor`` as ``after`` for the next."""

    items: tuple[WorkItem, ...]
    has_more: bool
    cursor: Cursor | None


@dataclass(frozen=True)
class WorkCounts:
    """The header's numbers (every kind, no due filter)."""

    total: int
    overdue: int


def aware(value: datetime) -> datetime:
    """``value`` as aware UTC (SQLite returns naive datetimes)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def due_window(due: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` of a due filter; ``(None, None)`` for ``all``."""
    if due == "all":
        return None, None
    if due == "overdue":
        return None, now
    day = datetime.combine(now.astimezone(UTC).date(), time.min, UTC)
    if due == "today":
        return day, day + timedelta(days=1)
    if due == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7)
    raise ValueError(f"unknown due filter {due!r}; known: {', '.join(DUE_FILTERS)}")


def _title(kind: str, row: Any) -> str:
    if kind == "incoming" and not row.subject:
        return (row.content or "").strip().split("\n", 1)[0][:200]
    text = (
        row.subject
        if kind in ("task", "case", *COMMUNICATION_KINDS)
        else (row.interest or row.description if kind == "lead" else row.description)
    )
    return (text or "").strip().split("\n", 1)[0][:200]


def _item(kind: str, row: Any, when: datetime, actor: Actor) -> WorkItem:
    """A :class:`WorkItem` from a row of :func:`.my_work_sql._columns` (plus the sort time)."""
    due = getattr(row, "due", None)
    if kind == "incoming":
        number, status, mine = f"{row.media}", "new", row.owner_agent_id == actor.agent_id
    elif kind in ("draft", "failed"):
        number, status, mine = f"{row.media}", row.state if kind == "draft" else "failed", True
    else:
        number = getattr(row, "number", None) or f"T{row.id}"
        status, mine = row.status, row.assigned_agent_id == actor.agent_id
    return WorkItem(
        kind=kind,
        id=row.id,
        contact_id=row.contact_id,
        customer=_customer(row),
        customer_number=row.customer_number,
        number=number,
        title=_title(kind, row),
        status=status,
        due=aware(due) if due is not None else None,
        when=aware(when),
        mine=mine,
    )


def _position(kind: str, after: Cursor | None) -> str | None:
    """Where ``kind`` stands to the cursor: ``"all"`` its rows all follow it, ``"same"`` it is
    the cursor's kind, ``None`` the kind is already behind."""
    if after is None or RANKS[kind] > after[0]:
        return "all"
    return "same" if RANKS[kind] == after[0] else None


def my_work(
    engine: Engine,
    actor: Actor,
    *,
    now: datetime,
    kinds: tuple[str, ...] = (),
    due: str = "all",
    after: Cursor | None = None,
    limit: int = DEFAULT_LIMIT,
) -> WorkPage:
    """A page of the agent's open work (``kinds``: only those; ``due``: see :data:`DUE_FILTERS`)."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown kind {unknown[0]!r}; known: {', '.join(KINDS)}")
    start, end = due_window(due, now)
    params: dict[str, Any] = {"start": start, "end": end}
    if after is not None:
        params.update(at=after[1], last_id=after[2])
    items: list[WorkItem] = []
    more = False
    with reading(engine) as session:
        for kind in KINDS:
            position = _position(kind, after)
            if (kinds and kind not in kinds) or position is None or due_filter(kind, due) is None:
                continue
            stmt = page_statement(actor, kind, due, position)
            for row in session.execute(stmt, {**params, "want": limit + 1 - len(items)}).all():
                items.append(_item(kind, row, row.sort_when, actor))
            if len(items) > limit:
                more = True
                break
    page = items[:limit]
    return WorkPage(tuple(page), more, page[-1].cursor if page else None)


def _customer(row: Any) -> str:
    from commcentre_tui.repo.search.api import display_name

    return display_name(
        row.kind, row.first_name, row.last_name, row.company_name, row.customer_number
    )


def work_counts(
    engine: Engine, actor: Actor, *, now: datetime, kinds: tuple[str, ...] = ()
) -> WorkCounts:
    """How many items are waiting and how many of them are overdue, in one round trip."""
    with reading(engine) as session:
        total, late = session.execute(count_statement(actor, kinds), {"end": now}).one()
    return WorkCounts(int(total or 0), int(late or 0))
