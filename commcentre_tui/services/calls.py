"""The call log: a phone call becomes a Draft Phone communication, gets its duration on hang-up,
and is completed by the agent with a category, notes and a disposition.

Each function is one transaction with an audit entry and the ``communication`` edit permission
check; problems are raised as the errors of :mod:`commcentre_tui.errors` with one sentence.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from commcentre_tui.catalog import DIRECTIONS
from commcentre_tui.errors import NotFound, RuleViolation, ValidationFailed
from commcentre_tui.models import Communication, Contact
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.validation import text_problem

#: Fields the audit trail records for a call.
_AUDITED = (
    "state",
    "category",
    "content",
    "call_started_at",
    "call_duration_seconds",
    "disposition_reason",
    "disposition_outcome",
    "completed_at",
)


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed("The call time must include its time zone (aware UTC).", field)
    return value


def _load_call(session: Session, communication_id: int) -> Communication:
    call = session.get(Communication, communication_id)
    if call is None:
        raise NotFound(f"Communication {communication_id} does not exist.")
    if call.media != "phone":
        raise RuleViolation(f"Communication {communication_id} is not a phone call.")
    return call


def start_call_draft(
    ctx: ServiceContext,
    contact_id: int,
    caller: str,
    direction: str,
    started_at: datetime,
) -> Communication:
    """Start the Draft Phone communication of an answered call with ``contact_id``.

    ``caller`` is the other party's number (stored as the recipient); ``started_at`` the moment
    the call was answered (aware).
    """
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit")
    if direction not in DIRECTIONS:
        raise ValidationFailed("A call is either incoming or outgoing.", "direction")
    _aware(started_at, "call_started_at")
    caller = (caller or "").strip()[:254]
    with transaction(ctx.engine) as session:
        if session.get(Contact, contact_id) is None:
            raise NotFound(f"Contact {contact_id} does not exist.")
        word = "from" if direction == "incoming" else "to"
        call = Communication(
            contact_id=contact_id,
            agent_id=ctx.actor.agent_id,
            direction=direction,
            media="phone",
            category=ctx.settings.communications.categories[0]
            if ctx.settings.communications.categories
            else "General",
            subject=f"{direction.capitalize()} call {word} {caller or 'a withheld number'}",
            recipient=caller,
            state="draft",
            unit=ctx.actor.unit,
            call_started_at=started_at,
        )
        session.add(call)
        session.flush()
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action="call.start",
            entity="communication",
            entity_id=call.id,
            after=audit.snapshot(call, _AUDITED),
            detail=call.subject,
        )
    return call


def record_hangup(ctx: ServiceContext, communication_id: int, ended_at: datetime) -> Communication:
    """Record the call's duration (whole seconds from ``call_started_at`` to ``ended_at``).

    A second hang-up for the same call changes nothing (the first one is kept).
    """
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit")
    _aware(ended_at, "ended_at")
    with transaction(ctx.engine) as session:
        call = _load_call(session, communication_id)
        if call.call_duration_seconds is not None:
            return call
        if call.call_started_at is None:
            raise RuleViolation("This call was never answered, so it has no duration.")
        seconds = max(0, round((ended_at - call.call_started_at).total_seconds()))
        before = audit.snapshot(call, _AUDITED)
        call = update_versioned(
            session,
            Communication,
            communication_id,
            call.version,
            {"call_duration_seconds": seconds},
            label="call",
        )
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action="call.hangup",
            entity="communication",
            entity_id=communication_id,
            before=before,
            after=audit.snapshot(call, _AUDITED),
            detail=f"{seconds} s",
        )
    return call


def complete_call(
    ctx: ServiceContext,
    communication_id: int,
    category: str,
    notes: str,
    disposition_reason: str | None,
    disposition_outcome: str | None,
    *,
    expected_version: int | None = None,
) -> Communication:
    """Complete the call with ``category``, ``notes`` and a disposition (reason and outcome).

    With ``[cti] require_disposition`` a call cannot be completed without both; values must come
    from the configured pick lists. ``expected_version`` (the version the form was opened on)
    turns a concurrent edit into a :class:`~commcentre_tui.errors.Conflict`.
    """
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit")
    cti = ctx.settings.cti
    reason = (disposition_reason or "").strip() or None
    outcome = (disposition_outcome or "").strip() or None
    errors: dict[str, str] = {}
    if category not in ctx.settings.communications.categories:
        errors["category"] = (
            f"Choose a category from the list ({', '.join(ctx.settings.communications.categories)})."
        )
    if cti.require_disposition and reason is None:
        errors["disposition_reason"] = "Choose a disposition reason before completing the call."
    if cti.require_disposition and outcome is None:
        errors["disposition_outcome"] = "Choose a disposition outcome before completing the call."
    if reason is not None and reason not in cti.disposition_reasons:
        errors["disposition_reason"] = (
            f"“{reason}” is not a disposition reason ({', '.join(cti.disposition_reasons)})."
        )
    if outcome is not None and outcome not in cti.disposition_outcomes:
        errors["disposition_outcome"] = (
            f"“{outcome}” is not a disposition outcome ({', '.join(cti.disposition_outcomes)})."
        )
    if len(notes or "") > 20000:
        errors["notes"] = "The notes are longer than 20,000 characters."
    elif problem := text_problem(
        notes, "The notes", multiline=True
    ):  # as every service refuses them
        errors["notes"] = problem
    if errors:
        raise ValidationFailed.many(errors)
    with transaction(ctx.engine) as session:
        call = _load_call(session, communication_id)
        if call.state == "completed":
            raise RuleViolation("This call is already completed.")
        before = audit.snapshot(call, _AUDITED)
        call = update_versioned(
            session,
            Communication,
            communication_id,
            call.version if expected_version is None else expected_version,
            {
                "category": category,
                "content": notes or "",
                "disposition_reason": reason,
                "disposition_outcome": outcome,
                "state": "completed",
                "completed_at": utcnow(),
            },
            label="call",
        )
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action="call.complete",
            entity="communication",
            entity_id=communication_id,
            before=before,
            after=audit.snapshot(call, _AUDITED),
            detail=f"{reason or '-'} / {outcome or '-'}",
        )
    return call
