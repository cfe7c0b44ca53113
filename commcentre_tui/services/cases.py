"""Cases and follow-ups (8x8): open a case, add follow-ups (a note or a communication), close/reopen.

A case's owning unit is ``assigned_unit`` (the unit of the agent who opened it); a unit-only
case (``visibility = "unit"``) is visible to that unit and to supervisors only, and agents of
other units cannot add follow-ups to it or change it (it looks missing to them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from sqlmodel import Session

from commcentre_tui.errors import NotFound, RuleViolation
from commcentre_tui.models import Case, FollowUp, utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.care_queries import case_is_visible
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.numbers import next_number
from commcentre_tui.repo.permissions import Actor, enforce
from commcentre_tui.services.care_common import (
    Priority,
    Saved,
    Severity,
    belongs_error,
    change_status,
    create_record,
    require_contact,
    rule_context,
)
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.validation import (
    LONG_TEXT,
    FormModel,
    OptId,
    limit,
    merge_failures,
    parse_input,
)

OPEN_ACTION = "Open a Case"
FOLLOW_UP_ACTION = "Add a Follow-up"
CASE_TRANSITIONS: dict[str, tuple[str, ...]] = {"open": ("closed",), "closed": ("open",)}


class CaseInput(FormModel):
    """Open a Case. ``visibility = "unit"`` needs the agent to belong to a unit."""

    contact_id: int
    subject: str = Field(min_length=1, max_length=limit(Case, "subject"))
    description: str = Field(default="", max_length=LONG_TEXT)
    status: Literal["open", "closed"] = "open"
    severity: Severity = "minor"
    priority: Priority = "normal"
    visibility: Literal["public", "unit"] = "public"

    @field_validator("visibility")
    @classmethod
    def _unit_needed(cls, value: str, info: ValidationInfo) -> str:
        context = info.context or {}
        if value == "unit" and "unit" in context and not context["unit"]:
            raise ValueError(
                "You belong to no unit, so the case cannot be visible to your unit only."
            )
        return value


class FollowUpInput(FormModel):
    """Add a Follow-up: a note, or a communication of the same customer (with an optional note)."""

    case_id: int
    kind: Literal["note", "communication"] = "note"
    communication_id: OptId = Field(default=None, validate_default=True, title="Communication")
    note: str = Field(default="", max_length=LONG_TEXT, validate_default=True)

    @field_validator("communication_id")
    @classmethod
    def _comm_needed(cls, value: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("kind") == "communication" and value is None:
            raise ValueError("Choose the communication this follow-up records.")
        return value

    @field_validator("note")
    @classmethod
    def _note_needed(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("kind") == "note" and not value:
            raise ValueError("Write the follow-up note.")
        return value


@dataclass(frozen=True)
class FollowUpAdded:
    """A follow-up added to a case."""

    id: int
    case_id: int
    kind: str
    created_at: datetime


def open_case(ctx: ServiceContext, data: CaseInput | Mapping[str, Any]) -> Saved:
    """Open a Case for a contact (owned by the agent's unit); one transaction with its audit entry."""
    context = {**rule_context(ctx), "unit": ctx.actor.unit}
    form = parse_input(CaseInput, data, context)

    def build(session: Session) -> Case:
        require_contact(session, form.contact_id)
        record = Case(
            number=next_number(session, "case"),
            assigned_unit=ctx.actor.unit,
            created_by_id=ctx.actor.agent_id,
            closed_at=utcnow() if form.status == "closed" else None,
            **form.model_dump(),
        )
        session.add(record)
        return record

    return create_record(ctx, entity="case", action=OPEN_ACTION, build=build)


def visible_case(session: Session, actor: Actor, case_id: int) -> Case:
    """Case ``case_id`` if ``actor`` may see it, else :class:`NotFound`."""
    case = session.get(Case, case_id)
    if case is None or not case_is_visible(case, actor):
        raise NotFound("That case does not exist or is visible only to another unit.")
    return case


def add_follow_up(ctx: ServiceContext, data: FollowUpInput | Mapping[str, Any]) -> FollowUpAdded:
    """Add a follow-up to an open case (one transaction with its audit entry).

    Raises ``ValidationFailed`` (no note, no or another customer's communication),
    ``RuleViolation`` (the case is closed), ``NotFound`` (missing or not visible) or ``NotAllowed``.
    """
    form = parse_input(FollowUpInput, data, rule_context(ctx))
    enforce(ctx.engine, ctx.actor, entity="case", level="edit", action=FOLLOW_UP_ACTION)
    with transaction(ctx.engine) as session:
        case = visible_case(session, ctx.actor, form.case_id)
        if case.status == "closed":
            raise RuleViolation(
                f"Case {case.number} is closed; reopen it before adding a follow-up."
            )
        if form.kind == "communication":
            problem = belongs_error(
                session, "communication", form.communication_id, case.contact_id
            )
            merge_failures({"communication_id": problem} if problem else {})
        follow_up = FollowUp(
            case_id=form.case_id,
            kind=form.kind,
            note=form.note,
            communication_id=form.communication_id if form.kind == "communication" else None,
            agent_id=ctx.actor.agent_id,
        )
        session.add(follow_up)
        case.updated_at = follow_up.created_at
        session.flush()
        assert follow_up.id is not None
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=FOLLOW_UP_ACTION,
            entity="case",
            entity_id=case.id,
            after={"follow_up": audit.snapshot(follow_up)},
        )
        return FollowUpAdded(follow_up.id, form.case_id, follow_up.kind, follow_up.created_at)


def _guard(ctx: ServiceContext) -> Any:
    def guard(session: Session, case: Case) -> None:
        if not case_is_visible(case, ctx.actor):
            raise NotFound("That case does not exist or is visible only to another unit.")

    return guard


def close_case(ctx: ServiceContext, case_id: int, expected_version: int) -> Saved:
    """Close an open case (stamps ``closed_at``); ``Conflict`` if someone changed it first."""
    return change_status(
        ctx,
        model=Case,
        entity="case",
        record_id=case_id,
        expected_version=expected_version,
        target="closed",
        transitions=CASE_TRANSITIONS,
        action="Close a Case",
        extra=lambda _c, now: {"closed_at": now},
        guard=_guard(ctx),
    )


def reopen_case(ctx: ServiceContext, case_id: int, expected_version: int) -> Saved:
    """Reopen a closed case (clears ``closed_at``)."""
    return change_status(
        ctx,
        model=Case,
        entity="case",
        record_id=case_id,
        expected_version=expected_version,
        target="open",
        transitions=CASE_TRANSITIONS,
        action="Reopen a Case",
        extra=lambda _c, _now: {"closed_at": None},
        guard=_guard(ctx),
    )
