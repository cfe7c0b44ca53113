"""What the customer-care services share: pick lists, the result type, checks and status changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import ValidationInfo
from sqlmodel import Session, SQLModel

from commcentre_tui.errors import Conflict, NotFound, RuleViolation
from commcentre_tui.models import Contact, utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.care_queries import active_agent, known_units
from commcentre_tui.repo.contact_queries import owner_contact_id
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext

Priority = Literal["low", "normal", "high", "urgent"]
Severity = Literal["minor", "major", "critical"]
LeadSource = Literal["phone", "email", "web", "walk_in", "referral", "campaign", "social", "other"]
TaskKind = Literal["call", "email", "meeting", "chat", "other"]
PRIORITIES: tuple[str, ...] = get_args(Priority)
SEVERITIES: tuple[str, ...] = get_args(Severity)
LEAD_SOURCES: tuple[str, ...] = get_args(LeadSource)
TASK_KINDS: tuple[str, ...] = get_args(TaskKind)
#: What an activity may be associated with (the seed's "another entity regarding the same customer").
RELATED_KINDS = ("account", "subscription", "job", "service_request", "case", "lead", "activity")
#: Labels used in sentences.
WORDS = {
    "account": "account",
    "subscription": "subscription",
    "job": "job",
    "service_request": "service request",
    "case": "case",
    "lead": "lead",
    "activity": "activity",
    "task": "task",
    "communication": "communication",
}


def a_an(word: str) -> str:
    """``word`` with its indefinite article: "a job", "an activity"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


@dataclass(frozen=True)
class Saved:
    """What a care service returns: enough to refresh the customer view and to edit again."""

    entity: str
    id: int
    number: str
    status: str
    version: int
    contact_id: int


def rule_context(ctx: ServiceContext, now: datetime | None = None) -> dict[str, Any]:
    """The validation context every input model reads (clock and phone region)."""
    return {"now": now or utcnow(), "region": ctx.settings.search.default_region}


def context_now(info: ValidationInfo) -> datetime:
    """The clock of the validation context (the real clock when validated without one)."""
    context = info.context or {}
    now = context.get("now")
    return now if isinstance(now, datetime) else utcnow()


def not_before_today(value: datetime | None, info: ValidationInfo, what: str) -> datetime | None:
    """``value`` unless its (UTC) day is before today."""
    if value is not None and value.date() < context_now(info).date():
        raise ValueError(f"{what} must not be in the past.")
    return value


def in_future(value: datetime | None, info: ValidationInfo, what: str) -> datetime | None:
    """``value`` unless it is now or earlier."""
    if value is not None and value <= context_now(info):
        raise ValueError(f"{what} must be in the future.")
    return value


def require_contact(session: Session, contact_id: int) -> Contact:
    """The contact, or :class:`NotFound` with a sentence."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("That customer no longer exists; search for the customer again.")
    return contact


def assignment_errors(session: Session, unit: str | None, agent_id: int | None) -> dict[str, str]:
    """Field errors for an assignment: the unit must be known, the agent active."""
    errors: dict[str, str] = {}
    if unit is not None:
        units = known_units(session)
        if unit not in units:
            known = ", ".join(units) or "none yet"
            errors["assigned_unit"] = f"There is no unit called “{unit}” (known units: {known})."
    if agent_id is not None and active_agent(session, agent_id) is None:
        errors["assigned_agent_id"] = "The chosen agent does not exist or is disabled."
    return errors


def belongs_error(
    session: Session, kind: str, record_id: int | None, contact_id: int
) -> str | None:
    """A sentence if ``kind``/``record_id`` is missing or belongs to another customer."""
    if record_id is None:
        return None
    owner = owner_contact_id(session, kind, record_id)
    word = WORDS.get(kind, kind)
    if owner is None:
        return f"That {word} does not exist."
    if owner != contact_id:
        return f"That {word} belongs to another customer."
    return None


def create_record(
    ctx: ServiceContext,
    *,
    entity: str,
    action: str,
    build: Callable[[Session], SQLModel],
    extra_audit: Mapping[str, Any] | None = None,
) -> Saved:
    """Check permission, run ``build`` (adds the record) and audit it, all in one transaction."""
    enforce(ctx.engine, ctx.actor, entity=entity, level="edit", action=action)
    with transaction(ctx.engine) as session:
        record = build(session)
        session.flush()
        after = audit.snapshot(record) or {}
        after.update(extra_audit or {})
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=action,
            entity=entity,
            entity_id=record.id,  # type: ignore[attr-defined]  # care records (job, activity, request) all have id
            after=after,
        )
        return saved(entity, record)


def saved(entity: str, record: Any) -> Saved:
    """The :class:`Saved` result for an ORM ``record``."""
    number = getattr(record, "number", None) or f"T{record.id}"
    return Saved(entity, record.id, number, record.status, record.version, record.contact_id)


def change_status(
    ctx: ServiceContext,
    *,
    model: type[SQLModel],
    entity: str,
    record_id: int,
    expected_version: int,
    target: str,
    transitions: Mapping[str, tuple[str, ...]],
    action: str,
    extra: Callable[[Any, datetime], dict[str, Any]] | None = None,
    guard: Callable[[Session, Any], None] | None = None,
) -> Saved:
    """Move a record to ``target`` if ``transitions`` allow it, with optimistic locking and audit.

    ``extra(record, now)`` adds column values (e.g. ``completed_at``); ``guard(session, record)``
    may refuse (e.g. visibility). Illegal transitions raise :class:`RuleViolation`.
    """
    enforce(ctx.engine, ctx.actor, entity=entity, level="edit")
    word = WORDS.get(entity, entity)
    known = {s for pair in transitions.items() for s in (pair[0], *pair[1])}
    if target not in known:
        raise RuleViolation(
            f"“{target}” is not a status of {a_an(word)}; use one of {', '.join(sorted(known))}."
        )
    now = utcnow()
    with transaction(ctx.engine) as session:
        record = session.get(model, record_id)
        if record is None:
            raise NotFound(f"That {word} no longer exists.")
        if guard is not None:
            guard(session, record)
        if record.version != expected_version:  # type: ignore[attr-defined]  # care records (job, activity, request) all have version
            raise Conflict(
                f"Another agent changed this {word} while you were looking at it; reload it and "
                "try again."
            )
        current = record.status  # type: ignore[attr-defined]  # care records (job, activity, request) all have status
        if target not in transitions.get(current, ()):
            allowed = transitions.get(current, ())
            hint = (
                f"; it can go to {' or '.join(a.replace('_', ' ') for a in allowed)}"
                if allowed
                else ""
            )
            raise RuleViolation(
                f"{a_an(word).capitalize()} that is {current.replace('_', ' ')} cannot become "
                f"{target.replace('_', ' ')}{hint}."
            )
        before = audit.snapshot(record)
        values: dict[str, Any] = {"status": target}
        if "updated_at" in model.model_fields:
            values["updated_at"] = now
        values.update(extra(record, now) if extra else {})
        updated = update_versioned(session, model, record_id, expected_version, values, label=word)
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=action,
            entity=entity,
            entity_id=record_id,
            before=before,
            after=audit.snapshot(updated),
        )
        return saved(entity, updated)
