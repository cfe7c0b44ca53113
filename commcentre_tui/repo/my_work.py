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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    and_,
    bindparam,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlmodel import col

from commcentre_tui.models import (
    Activity,
    Case,
    Communication,
    Contact,
    InboundMessage,
    Job,
    Lead,
    ServiceRequest,
    Task,
)
from commcentre_tui.repo.customer_view import CLOSED_STATUSES
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.visibility import visibility_filter

#: The kinds in list order: key → (label, model).
KINDS: dict[str, tuple[str, Any]] = {
    "task": ("Task", Task),
    "case": ("Case", Case),
    "activity": ("Activity", Activity),
    "job": ("Job", Job),
    "service_request": ("Service request", ServiceRequest),
    "lead": ("Lead", Lead),
    "incoming": ("Incoming", Communication),
    "draft": ("Draft", Communication),
    "failed": ("Failed", Communication),
}
RANKS = {kind: rank for rank, kind in enumerate(KINDS)}
#: Kinds that are communications (View opens a communication).
COMMUNICATION_KINDS = ("incoming", "draft", "failed")
#: The due-time column per kind (kinds without one have no due time).
DUE_COLUMNS = {"task": "due_at", "activity": "start_at", "job": "scheduled_at"}
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


def _assigned(model: Any, actor: Actor) -> ColumnElement[bool]:
    """Assigned to the agent, or to their unit with no agent (tasks have no unit)."""
    mine: ColumnElement[bool] = model.assigned_agent_id == actor.agent_id
    if model is Task or not actor.unit:
        return mine
    return or_(mine, and_(model.assigned_agent_id.is_(None), model.assigned_unit == actor.unit))


def _conditions(kind: str, actor: Actor) -> list[ColumnElement[bool]]:
    """Which rows of ``kind`` are the agent's open work."""
    if actor.agent_id is None:
        return [false()]
    # Literal constants (not bound parameters): the planners then use the partial indexes of
    # migration 0008, which hold only drafts and only failed deliveries.
    if kind == "draft":
        return [
            col(Communication.agent_id) == actor.agent_id,
            col(Communication.state) == literal_column("'draft'"),
        ]
    if kind == "incoming":
        i = InboundMessage
        owned = col(i.owner_agent_id) == actor.agent_id
        if actor.unit:
            owned = or_(
                owned, and_(col(i.owner_agent_id).is_(None), col(i.owner_unit) == actor.unit)
            )
        waiting = select(col(i.communication_id)).where(owned, col(i.handled_at).is_(None))
        return [
            col(Communication.id).in_(waiting.scalar_subquery()),
            col(Communication.contact_id).is_not(None),
        ]
    if kind == "failed":
        return [
            col(Communication.agent_id) == actor.agent_id,
            col(Communication.delivery) == literal_column("'failed'"),
            col(Communication.direction) == "outgoing",
        ]
    model = KINDS[kind][1]
    if kind == "task":  # open, completed or cancelled: "open" walks the index in due order
        return [col(Task.assigned_agent_id) == actor.agent_id, col(Task.status) == "open"]
    where = [_assigned(model, actor), model.status.not_in(list(CLOSED_STATUSES))]
    if kind == "case":
        where.append(visibility_filter(Case, actor))
    return where


def _when(kind: str) -> Any:
    """The sort column of ``kind``: its due time (else created) — tasks always have a due."""
    model = KINDS[kind][1]
    column = DUE_COLUMNS.get(kind)
    if column is None:
        return model.created_at
    if kind == "task":
        return col(Task.due_at)
    return func.coalesce(getattr(model, column), model.created_at)


def _at(name: str) -> Any:
    """A bound time parameter (the statements are built once, then run with new times)."""
    return bindparam(name, type_=DateTime())


def _due_filter(kind: str, due: str) -> list[ColumnElement[bool]] | None:
    """Conditions of the due filter for ``kind`` (parameters ``start``/``end``, see
    :func:`due_window`); ``None``: the kind has no due time."""
    if due == "all":
        return []
    if kind not in DUE_COLUMNS:
        return None
    column = getattr(KINDS[kind][1], DUE_COLUMNS[kind])
    where = [column.is_not(None), column < _at("end")]
    if due != "overdue":
        where.append(column >= _at("start"))
    elif kind != "task":
        # An activity or job under way is not late; one still open past its time is.
        where.append(KINDS[kind][1].status == "open")
    return where


def _title(kind: str, row: Any) -> str:
    if kind == "incoming" and not row.subject:
        return (row.content or "").strip().split("\n", 1)[0][:200]
    text = (
        row.subject
        if kind in ("task", "case", *COMMUNICATION_KINDS)
        else (row.interest or row.description if kind == "lead" else row.description)
    )
    return (text or "").strip().split("\n", 1)[0][:200]


def _columns(kind: str) -> list[Any]:
    model = KINDS[kind][1]
    cols: list[Any] = [model.id, model.contact_id, model.created_at]
    if kind in COMMUNICATION_KINDS:
        cols += [
            col(Communication.subject),
            col(Communication.media),
            col(Communication.delivery),
            col(Communication.state),
            col(Communication.last_error),
        ]
        if kind == "incoming":
            owner = (
                select(col(InboundMessage.owner_agent_id))
                .where(col(InboundMessage.communication_id) == Communication.id)
                .limit(1)
            )
            cols += [col(Communication.content), owner.scalar_subquery().label("owner_agent_id")]
        return cols
    if kind != "task":
        cols.append(model.number)
    if kind in ("task", "case"):
        cols.append(model.subject)
    else:
        cols.append(model.description)
    if kind == "lead":
        cols.append(col(Lead.interest))
    cols += [model.status, model.assigned_agent_id]
    if kind in DUE_COLUMNS:
        cols.append(getattr(model, DUE_COLUMNS[kind]).label("due"))
    return cols


def _item(kind: str, row: Any, when: datetime, actor: Actor) -> WorkItem:
    """A :class:`WorkItem` from a row of :func:`_columns` (plus the sort time)."""
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


#: Built statements by (agent, unit, supervisor, kind or kinds, due, position): building one
#: costs more than running it. A console has one agent; the cache is bounded all the same.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}
_MAX_STATEMENTS = 512


def _remember(key: tuple[Any, ...], stmt: Any) -> Any:
    if len(_STATEMENTS) >= _MAX_STATEMENTS:
        _STATEMENTS.clear()
    _STATEMENTS[key] = stmt
    return stmt


def _page_statement(actor: Actor, kind: str, due: str, position: str) -> Any:
    key = (actor.agent_id, actor.unit, actor.is_supervisor, kind, due, position)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        model, when = KINDS[kind][1], _when(kind)
        keyset = (
            []
            if position == "all"
            else [or_(when > _at("at"), and_(when == _at("at"), model.id > bindparam("last_id")))]
        )
        stmt = (
            select(
                *_columns(kind),
                when.label("sort_when"),
                col(Contact.customer_number),
                col(Contact.kind),
                col(Contact.first_name),
                col(Contact.last_name),
                col(Contact.company_name),
            )
            .join(Contact, col(Contact.id) == model.contact_id)
            .where(*_conditions(kind, actor), *(_due_filter(kind, due) or []), *keyset)
            .order_by(when, model.id)
            .limit(bindparam("want"))
        )
        _remember(key, stmt)
    return stmt


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
            if (kinds and kind not in kinds) or position is None or _due_filter(kind, due) is None:
                continue
            stmt = _page_statement(actor, kind, due, position)
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


def _count_statement(actor: Actor, kinds: tuple[str, ...]) -> Any:
    key = (actor.agent_id, actor.unit, actor.is_supervisor, kinds, "count")
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        totals, overdue = [], []
        for kind, (_, model) in KINDS.items():
            if kinds and kind not in kinds:
                continue
            where = _conditions(kind, actor)
            totals.append(select(func.count()).select_from(model).where(*where).scalar_subquery())
            late = _due_filter(kind, "overdue")
            if late:
                overdue.append(
                    select(func.count()).select_from(model).where(*where, *late).scalar_subquery()
                )
        stmt = select(
            _sum(totals) if totals else literal(0), _sum(overdue) if overdue else literal(0)
        )
        _remember(key, stmt)
    return stmt


def work_counts(
    engine: Engine, actor: Actor, *, now: datetime, kinds: tuple[str, ...] = ()
) -> WorkCounts:
    """How many items are waiting and how many of them are overdue, in one round trip."""
    with reading(engine) as session:
        total, late = session.execute(_count_statement(actor, kinds), {"end": now}).one()
    return WorkCounts(int(total or 0), int(late or 0))


def _sum(parts: list[Any]) -> Any:
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total
