"""The statements of My Work's queries: per kind of work which rows are the agent's, the sort and
due columns, the columns read, and the page and count statements built once per agent and kind
(then run with new times)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
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


def due_filter(kind: str, due: str) -> list[ColumnElement[bool]] | None:
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


#: Built statements by (agent, unit, supervisor, kind or kinds, due, position): building one
#: costs more than running it. A console has one agent; the cache is bounded all the same.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


_MAX_STATEMENTS = 512


def _remember(key: tuple[Any, ...], stmt: Any) -> Any:
    if len(_STATEMENTS) >= _MAX_STATEMENTS:
        _STATEMENTS.clear()
    _STATEMENTS[key] = stmt
    return stmt


def page_statement(actor: Actor, kind: str, due: str, position: str) -> Any:
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
            .where(*_conditions(kind, actor), *(due_filter(kind, due) or []), *keyset)
            .order_by(when, model.id)
            .limit(bindparam("want"))
        )
        _remember(key, stmt)
    return stmt


def count_statement(actor: Actor, kinds: tuple[str, ...]) -> Any:
    key = (actor.agent_id, actor.unit, actor.is_supervisor, kinds, "count")
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        totals, overdue = [], []
        for kind, (_, model) in KINDS.items():
            if kinds and kind not in kinds:
                continue
            where = _conditions(kind, actor)
            totals.append(select(func.count()).select_from(model).where(*where).scalar_subquery())
            late = due_filter(kind, "overdue")
            if late:
                overdue.append(
                    select(func.count()).select_from(model).where(*where, *late).scalar_subquery()
                )
        stmt = select(
            _sum(totals) if totals else literal(0), _sum(overdue) if overdue else literal(0)
        )
        _remember(key, stmt)
    return stmt


def _sum(parts: list[Any]) -> Any:
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total
