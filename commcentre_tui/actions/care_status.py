"""Life-cycle actions for care records: close or reopen a case, move a job, service request,
activity, lead or task to its next status.

Each form picks one of the customer's records that can still change (the record highlighted in
the Customer Care tab, when there is one) and the new status; the save is one status change
checked against the version the form was opened on. A change that cannot be undone is confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commcentre_tui.actions.spec import ActionSpec, FormData, FormField, SaveResult
from commcentre_tui.errors import RuleViolation, ValidationFailed
from commcentre_tui.repo.care_queries import care_items
from commcentre_tui.services import activities, cases, jobs, leads, service_requests, tasks
from commcentre_tui.services.context import ServiceContext


@dataclass(frozen=True)
class Kind:
    """A care record kind as the status forms need it."""

    entity: str
    word: str
    service: Callable[..., Any]
    """Called ``(ctx, id, expected_version[, status])``."""
    transitions: dict[str, tuple[str, ...]]
    """The kind's allowed status changes."""
    preferred: tuple[str, ...] = ()
    """Targets suggested first when the record allows them (e.g. completed)."""


KINDS: dict[str, Kind] = {
    "Update Job Status": Kind(
        "job", "job", jobs.set_job_status, jobs.JOB_TRANSITIONS, ("completed",)
    ),
    "Update Service Request Status": Kind(
        "service_request",
        "service request",
        service_requests.set_service_request_status,
        service_requests.SR_TRANSITIONS,
    ),
    "Update Activity Status": Kind(
        "activity",
        "activity",
        activities.set_activity_status,
        activities.ACTIVITY_TRANSITIONS,
        ("completed",),
    ),
    "Update Lead Status": Kind("lead", "lead", leads.set_lead_status, leads.LEAD_TRANSITIONS),
    "Update Task Status": Kind(
        "task", "task", tasks.set_task_status, tasks.TASK_TRANSITIONS, ("completed", "open")
    ),
    "Close a Case": Kind("case", "case", cases.close_case, cases.CASE_TRANSITIONS, ("closed",)),
    "Reopen a Case": Kind("case", "case", cases.reopen_case, cases.CASE_TRANSITIONS, ("open",)),
}


def words(status: str) -> str:
    """``in_progress`` → ``in progress``."""
    return status.replace("_", " ")


def next_statuses(kind: Kind, current: str) -> tuple[str, ...]:
    """Where a record of ``kind`` in ``current`` may go; for the case actions, their one target."""
    allowed: tuple[str, ...] = kind.transitions.get(current, ())
    if kind.entity == "case":
        return tuple(s for s in allowed if s in kind.preferred)
    return allowed


def _load(name: str) -> Callable[[ServiceContext, FormData], None]:
    kind = KINDS[name]

    def load(ctx: ServiceContext, data: FormData) -> None:
        assert data.contact_id is not None
        rows = care_items(ctx.engine, ctx.actor, data.contact_id, kind.entity, limit=500)
        picked = data.extra.get(f"{kind.entity}_id")
        if picked is not None:
            row = next((r for r in rows if r.id == int(picked)), None)
            if row is None:
                raise RuleViolation(
                    f"That {kind.word} is not among this customer's; reload the customer."
                )
            if not next_statuses(kind, row.status):
                raise RuleViolation(
                    f"{kind.word.capitalize()} {row.number} is {words(row.status)}; "
                    f"“{name}” does not apply to it."
                )
        rows = [r for r in rows if next_statuses(kind, r.status)]
        if not rows:
            raise RuleViolation(f"This customer has no {kind.word} for “{name}”.")
        data.lists["records"] = [
            (
                str(r.id),
                f"{r.number} · {r.type} · {r.title[:40]} · {words(r.status)} → "
                f"{' / '.join(words(s) for s in next_statuses(kind, r.status))}",
            )
            for r in rows
        ]
        data.extra["rows"] = {str(r.id): r for r in rows}
        chosen = data.extra["rows"].get(str(picked)) or rows[0]
        data.extra["record_default"] = str(chosen.id)
        allowed = next_statuses(kind, chosen.status)
        data.extra["status_default"] = next((s for s in kind.preferred if s in allowed), allowed[0])

    return load


def _final(kind: Kind, target: str) -> bool:
    return not kind.transitions.get(target, ())


def _confirm(name: str) -> Callable[[FormData, dict[str, Any]], str | None]:
    kind = KINDS[name]

    def confirm(data: FormData, values: dict[str, Any]) -> str | None:
        row = data.extra["rows"].get(values.get("record_id") or "")
        target = values.get("status") or (kind.preferred[0] if kind.entity == "case" else "")
        if row is None or target not in next_statuses(kind, row.status) or not _final(kind, target):
            return None  # nothing final, or a change the service will refuse anyway
        return (
            f"Mark {kind.word} {row.number} ({row.type}) {words(target)}? A {words(target)} "
            f"{kind.word} cannot change status again."
        )

    return confirm


def _submit(name: str) -> Callable[[ServiceContext, FormData, dict[str, Any]], SaveResult]:
    kind = KINDS[name]

    def submit(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
        row = data.extra["rows"].get(values.get("record_id") or "")
        if row is None:
            raise ValidationFailed(f"Choose the {kind.word}.", "record_id")
        service = kind.service
        if kind.entity == "case":
            saved = service(ctx, row.id, row.version)
        else:
            saved = service(ctx, row.id, row.version, values.get("status") or "")
        return SaveResult(
            f"{kind.word.capitalize()} {row.number} is now {words(saved.status)}.", data.contact_id
        )

    return submit


def _status_choices(name: str) -> list[tuple[str, str]]:
    transitions = KINDS[name].transitions
    targets = dict.fromkeys(t for allowed in transitions.values() for t in allowed)
    return [(t, words(t).capitalize()) for t in targets]


def _spec(name: str, after: str, keywords: str, description: str) -> ActionSpec:
    kind = KINDS[name]
    fields = [
        FormField(
            "record_id",
            kind.word.capitalize(),
            kind="choice",
            choices="records",
            required=True,
            default=lambda d: d.extra["record_default"],
        )
    ]
    if kind.entity != "case":
        fields.append(
            FormField(
                "status",
                "New status",
                kind="choice",
                required=True,
                choices=_status_choices(name),
                default=lambda d: d.extra["status_default"],
            )
        )
    return ActionSpec(
        name=name,
        group="CRM",
        service=kind.service,
        kind="status",
        after=after,
        entity=kind.entity,
        keywords=keywords,
        description=description,
        fields=tuple(fields),
        load=_load(name),
        submit=_submit(name),
        confirm=_confirm(name),
        save_label="Close case"
        if name == "Close a Case"
        else "Reopen case"
        if name == "Reopen a Case"
        else "Change status",
    )


UPDATE_JOB_STATUS = _spec(
    "Update Job Status",
    "Plan a Job",
    "complete cancel start job",
    "Start, complete or cancel a job (completing stamps the date).",
)
UPDATE_SERVICE_REQUEST_STATUS = _spec(
    "Update Service Request Status",
    "Raise a Service Request",
    "progress resolve close",
    "Open → in progress → resolved → closed; a resolved request may go back to in progress.",
)
UPDATE_ACTIVITY_STATUS = _spec(
    "Update Activity Status",
    "Schedule an Activity",
    "complete cancel start activity",
    "Start, complete or cancel an activity (completed ones leave the open list).",
)
UPDATE_LEAD_STATUS = _spec(
    "Update Lead Status",
    "Take a Lead",
    "qualify win won lose lost",
    "New → qualified → won or lost.",
)
CLOSE_CASE = _spec(
    "Close a Case",
    "Open a Case",
    "close case",
    "Close an open case; it takes no follow-ups until reopened.",
)
REOPEN_CASE = _spec("Reopen a Case", "Open a Case", "reopen case", "Reopen a closed case.")
UPDATE_TASK_STATUS = _spec(
    "Update Task Status",
    "Create a Task",
    "complete cancel reopen task",
    "Complete or cancel a task (its reminder stops), or reopen it.",
)
