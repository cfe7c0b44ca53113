"""Plan a Job: type, description, scheduled date (today or later), assignment; status updates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from sqlmodel import Session

from commcentre_tui.models import Job
from commcentre_tui.repo.numbers import next_number
from commcentre_tui.services.care_common import (
    Saved,
    assignment_errors,
    belongs_error,
    change_status,
    create_record,
    not_before_today,
    require_contact,
    rule_context,
)
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.validation import (
    LONG_TEXT,
    FormModel,
    OptId,
    OptStr,
    When,
    limit,
    merge_failures,
    parse_input,
)

ACTION = "Plan a Job"
#: Allowed status changes: a job is planned (open), worked on, then completed or cancelled.
JOB_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "completed", "cancelled"),
    "in_progress": ("open", "completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}


class JobInput(FormModel):
    """Plan a Job. Assign to a unit and/or an agent (at least one)."""

    contact_id: int
    type: str = Field(min_length=1, max_length=limit(Job, "type"))
    description: str = Field(default="", max_length=LONG_TEXT)
    scheduled_at: When = Field(title="Scheduled date")
    account_id: OptId = Field(default=None, title="Account")
    assigned_unit: OptStr = Field(default=None, max_length=limit(Job, "assigned_unit"))
    assigned_agent_id: OptId = Field(default=None, validate_default=True, title="Assigned agent")

    @field_validator("scheduled_at")
    @classmethod
    def _not_past(cls, value: datetime, info: ValidationInfo) -> datetime | None:
        return not_before_today(value, info, "The scheduled date")

    @field_validator("assigned_agent_id")
    @classmethod
    def _someone(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None and not info.data.get("assigned_unit"):
            raise ValueError("Assign the job to a unit, an agent or both.")
        return value


def plan_job(
    ctx: ServiceContext, data: JobInput | Mapping[str, Any], *, now: datetime | None = None
) -> Saved:
    """Plan a Job for a contact (status ``open``); one transaction with its audit entry."""
    job = parse_input(JobInput, data, rule_context(ctx, now))

    def build(session: Session) -> Job:
        require_contact(session, job.contact_id)
        account = belongs_error(session, "account", job.account_id, job.contact_id)
        merge_failures(
            {"account_id": account} if account else {},
            assignment_errors(session, job.assigned_unit, job.assigned_agent_id),
        )
        record = Job(
            number=next_number(session, "job"),
            contact_id=job.contact_id,
            type=job.type,
            description=job.description,
            scheduled_at=job.scheduled_at,
            account_id=job.account_id,
            assigned_unit=job.assigned_unit,
            assigned_agent_id=job.assigned_agent_id,
            created_by_id=ctx.actor.agent_id,
        )
        session.add(record)
        return record

    return create_record(ctx, entity="job", action=ACTION, build=build)


def set_job_status(ctx: ServiceContext, job_id: int, expected_version: int, status: str) -> Saved:
    """Move a job to ``status`` (see :data:`JOB_TRANSITIONS`); completing stamps ``completed_at``.

    Raises ``RuleViolation`` for an illegal change, ``Conflict`` if someone changed it first.
    """
    return change_status(
        ctx,
        model=Job,
        entity="job",
        record_id=job_id,
        expected_version=expected_version,
        target=status,
        transitions=JOB_TRANSITIONS,
        action="Update Job Status",
        extra=lambda _job, now: {"completed_at": now if status == "completed" else None},
    )
