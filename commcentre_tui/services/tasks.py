"""Tasks with reminders (8x8): a planned call, email, meeting, chat or other contact.

``remind_at = due_at - reminder_minutes``. The console polls
:func:`commcentre_tui.repo.care_queries.due_reminders` for the logged-in agent (on start too, so
reminders missed while offline are caught up), notifies, then calls :func:`mark_reminded`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from sqlmodel import Session

from commcentre_tui.models import Case, Task, utcnow
from commcentre_tui.repo.care_queries import case_is_visible, mark_tasks_reminded
from commcentre_tui.repo.db import transaction
from commcentre_tui.services.care_common import (
    Saved,
    TaskKind,
    assignment_errors,
    belongs_error,
    change_status,
    create_record,
    in_future,
    require_contact,
    rule_context,
)
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.validation import (
    LONG_TEXT,
    FormModel,
    OptId,
    When,
    limit,
    merge_failures,
    parse_input,
)

ACTION = "Create a Task"
#: A week: the longest reminder offset.
MAX_REMINDER_MINUTES = 7 * 24 * 60
TASK_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("completed", "cancelled"),
    "completed": ("open",),
    "cancelled": ("open",),
}


class TaskInput(FormModel):
    """Create a Task. ``assigned_agent_id`` defaults to the agent creating it."""

    contact_id: int
    case_id: OptId = Field(default=None, title="Case")
    kind: TaskKind = "call"
    subject: str = Field(min_length=1, max_length=limit(Task, "subject"))
    description: str = Field(default="", max_length=LONG_TEXT)
    due_at: When = Field(title="Due time")
    reminder_minutes: int = Field(
        default=15, ge=0, le=MAX_REMINDER_MINUTES, title="Reminder (minutes before)"
    )
    assigned_agent_id: OptId = Field(default=None, title="Assigned agent")

    @field_validator("due_at")
    @classmethod
    def _future(cls, value: datetime, info: ValidationInfo) -> datetime | None:
        return in_future(value, info, "The due time")


def create_task(
    ctx: ServiceContext, data: TaskInput | Mapping[str, Any], *, now: datetime | None = None
) -> Saved:
    """Create a Task with its reminder time; one transaction with its audit entry.

    Raises ``ValidationFailed`` (bad fields, a due time not in the future, a case of another
    customer, an unknown agent), ``NotFound`` or ``NotAllowed``. With no agent able to receive
    the reminder (system actor and no assignee) the task is saved without a reminder.
    """
    form = parse_input(TaskInput, data, rule_context(ctx, now))
    agent_id = form.assigned_agent_id if form.assigned_agent_id is not None else ctx.actor.agent_id

    def build(session: Session) -> Task:
        require_contact(session, form.contact_id)
        errors = assignment_errors(session, None, form.assigned_agent_id)
        problem = belongs_error(session, "case", form.case_id, form.contact_id)
        if problem:
            errors["case_id"] = problem
        elif form.case_id is not None:
            case = session.get(Case, form.case_id)
            if case is not None and not case_is_visible(case, ctx.actor):
                errors["case_id"] = "That case does not exist."
        merge_failures(errors)
        record = Task(
            **form.model_dump(exclude={"assigned_agent_id"}),
            assigned_agent_id=agent_id,
            remind_at=form.due_at - timedelta(minutes=form.reminder_minutes) if agent_id else None,
            created_by_id=ctx.actor.agent_id,
        )
        session.add(record)
        return record

    return create_record(ctx, entity="task", action=ACTION, build=build)


def complete_task(ctx: ServiceContext, task_id: int, expected_version: int) -> Saved:
    """Mark an open task completed (no more reminders)."""
    return set_task_status(ctx, task_id, expected_version, "completed")


def cancel_task(ctx: ServiceContext, task_id: int, expected_version: int) -> Saved:
    """Cancel an open task (no more reminders)."""
    return set_task_status(ctx, task_id, expected_version, "cancelled")


def set_task_status(ctx: ServiceContext, task_id: int, expected_version: int, status: str) -> Saved:
    """Move a task along :data:`TASK_TRANSITIONS` (open ↔ completed/cancelled)."""
    return change_status(
        ctx,
        model=Task,
        entity="task",
        record_id=task_id,
        expected_version=expected_version,
        target=status,
        transitions=TASK_TRANSITIONS,
        action="Update Task Status",
    )


def mark_reminded(
    ctx: ServiceContext, task_ids: Iterable[int], *, now: datetime | None = None
) -> list[int]:
    """Record that the acting agent was reminded of ``task_ids``; returns the ids marked now.

    Only the agent's own tasks not yet reminded are marked (safe to repeat, and two consoles of
    the same agent notify once). It is bookkeeping, not an edit: no version bump, no audit entry.
    """
    ids = sorted(set(task_ids))
    if not ids or ctx.actor.agent_id is None:
        return []
    with transaction(ctx.engine) as session:
        return mark_tasks_reminded(session, ctx.actor.agent_id, ids, now or utcnow())
