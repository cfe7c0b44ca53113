"""Customer-care actions (the panel's CRM group): jobs, service requests, activities (the seed's
steps), leads, cases, follow-ups and tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from commcentre_tui.actions.spec import ActionSpec, FormData, FormField, SaveResult, clean, pairs
from commcentre_tui.errors import NotFound
from commcentre_tui.repo.care_choices import (
    assignment_agents,
    assignment_units,
    communication_choices,
    one_time_products,
    related_choices,
)
from commcentre_tui.repo.care_queries import care_items
from commcentre_tui.repo.contact_queries import contact_card
from commcentre_tui.repo.finance_queries import (
    accounts_of_contact,
    catalogue_products,
    subscriptions_of_contact,
)
from commcentre_tui.services import activities, cases, jobs, leads, service_requests, tasks
from commcentre_tui.services.context import ServiceContext

PRIORITY = [(p, p.title()) for p in ("low", "normal", "high", "urgent")]
SEVERITY = [(s, s.title()) for s in ("minor", "major", "critical")]
CARE_ROLES = ("agent",)
"""Who besides supervisors and admins takes care actions by default."""


# -- pick lists loaded before a form shows --------------------------------------------------
def load_assignment(ctx: ServiceContext, data: FormData) -> None:
    data.lists["agents"] = pairs(
        (a.id, f"{a.display_name} ({a.unit or 'no unit'})") for a in assignment_agents(ctx.engine)
    )
    data.lists["units"] = pairs((u, u) for u in assignment_units(ctx.engine))


def load_accounts(ctx: ServiceContext, data: FormData) -> None:
    assert data.contact_id is not None
    data.lists["accounts"] = pairs(
        (a.id, f"{a.number} · {a.currency} {a.balance}")
        for a in accounts_of_contact(ctx.engine, data.contact_id)
    )
    data.lists["subscriptions"] = pairs(
        (s.id, f"{s.number} · {s.status}")
        for s in subscriptions_of_contact(ctx.engine, data.contact_id)
    )


def load_care(ctx: ServiceContext, data: FormData) -> None:
    load_assignment(ctx, data)
    load_accounts(ctx, data)


def _load_lead(ctx: ServiceContext, data: FormData) -> None:
    load_assignment(ctx, data)
    data.lists["products"] = pairs(
        (p.id, f"{p.name} · {p.price}") for p in catalogue_products(ctx.engine, kind="recurring")
    )


# -- care records --------------------------------------------------------------------------
ASSIGNMENT = (
    FormField("assigned_unit", "Assign to unit", kind="choice", choices="units"),
    FormField("assigned_agent_id", "Assign to agent", kind="choice", choices="agents"),
)


def _care_record(
    name: str,
    what: str,
    service: Callable[..., Any],
    input_model: type[BaseModel],
    fields: tuple[FormField, ...],
    load: Callable[[ServiceContext, FormData], None] | None = None,
) -> ActionSpec:
    """A care record the customer's form creates with ``service``; "<what> <number> saved."."""

    def submit(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
        saved = service(ctx, {**clean(values), "contact_id": data.contact_id})
        return SaveResult(f"{what} {saved.number} saved.", data.contact_id)

    return ActionSpec(
        name=name,
        group="CRM",
        service=service,
        input_model=input_model,
        roles=CARE_ROLES,
        fields=fields,
        load=load,
        submit=submit,
    )


PLAN_JOB = _care_record(
    "Plan a Job",
    "Job",
    jobs.plan_job,
    jobs.JobInput,
    (
        FormField("type", "Job type", required=True, placeholder="e.g. Technician Visit"),
        FormField("scheduled_at", "Scheduled date", kind="datetime", required=True),
        FormField("account_id", "Account", kind="choice", choices="accounts"),
        FormField("description", "Description", kind="multiline"),
        *ASSIGNMENT,
    ),
    load_care,
)

RAISE_SERVICE_REQUEST = _care_record(
    "Raise a Service Request",
    "Service request",
    service_requests.raise_service_request,
    service_requests.ServiceRequestInput,
    (
        FormField("type", "Type", required=True, placeholder="e.g. No signal"),
        FormField(
            "priority", "Priority", kind="choice", choices=PRIORITY, default="normal", required=True
        ),
        FormField(
            "severity", "Severity", kind="choice", choices=SEVERITY, default="minor", required=True
        ),
        FormField("description", "Description", kind="multiline", required=True),
        FormField(
            "subscription_id", "Related subscription", kind="choice", choices="subscriptions"
        ),
        FormField("account_id", "Related account", kind="choice", choices="accounts"),
        *ASSIGNMENT,
    ),
    load_care,
)

TAKE_LEAD = _care_record(
    "Take a Lead",
    "Lead",
    leads.take_lead,
    leads.LeadInput,
    (
        FormField(
            "source",
            "Source",
            kind="choice",
            required=True,
            default="phone",
            choices=[
                (s, s.replace("_", " ").title())
                for s in (
                    "phone",
                    "email",
                    "web",
                    "walk_in",
                    "referral",
                    "campaign",
                    "social",
                    "other",
                )
            ],
        ),
        FormField("product_id", "Product of interest", kind="choice", choices="products"),
        FormField("interest", "Interest", placeholder="what the customer asked about"),
        FormField("potential_value", "Potential value", kind="money"),
        FormField(
            "status",
            "Status",
            kind="choice",
            default="new",
            required=True,
            choices=[(s, s.title()) for s in ("new", "qualified", "won", "lost")],
        ),
        FormField("description", "Notes", kind="multiline"),
        *ASSIGNMENT,
    ),
    _load_lead,
)

OPEN_CASE = _care_record(
    "Open a Case",
    "Case",
    cases.open_case,
    cases.CaseInput,
    (
        FormField("subject", "Subject", required=True),
        FormField("description", "Description", kind="multiline"),
        FormField(
            "severity", "Severity", kind="choice", choices=SEVERITY, default="minor", required=True
        ),
        FormField(
            "priority", "Priority", kind="choice", choices=PRIORITY, default="normal", required=True
        ),
        FormField(
            "visibility",
            "Visibility",
            kind="choice",
            default="public",
            required=True,
            choices=[("public", "Everyone"), ("unit", "My unit and supervisors")],
        ),
    ),
)


# -- activities: the seed's steps ----------------------------------------------------------
SERVICE_SLOTS = 3


def load_activity(ctx: ServiceContext, data: FormData) -> None:
    assert data.contact_id is not None
    card = contact_card(ctx.engine, data.contact_id)
    if card is None:
        raise NotFound("The customer no longer exists.")
    data.extra["card"] = card
    load_assignment(ctx, data)
    data.lists["related"] = pairs(
        (f"{r.kind}:{r.id}", r.label)
        for r in related_choices(ctx.engine, ctx.actor, data.contact_id)
    )
    data.lists["one_time"] = pairs(
        (p.id, f"{p.name} · {p.price}") for p in one_time_products(ctx.engine)
    )


def _schedule_activity(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    card = data.extra["card"]
    related = values.get("related")
    kind, _, rid = related.partition(":") if related else (None, "", None)
    services = [
        {"product_id": values[f"service{i}"]}
        for i in range(1, SERVICE_SLOTS + 1)
        if values.get(f"service{i}")
    ]
    payload = {
        **clean(values, "related", *[f"service{i}" for i in range(1, SERVICE_SLOTS + 1)]),
        "contact_id": data.contact_id,
        "contact_version": card.version,
        "related_type": kind,
        "related_id": rid or None,
        "services": services,
    }
    saved = activities.schedule_activity(ctx, payload)
    note = " Contact details updated." if saved.contact_updated else ""
    return SaveResult(f"Activity {saved.number} scheduled.{note}", data.contact_id)


SCHEDULE_ACTIVITY = ActionSpec(
    name="Schedule an Activity",
    group="CRM",
    service=activities.schedule_activity,
    input_model=activities.ScheduleActivityInput,
    roles=CARE_ROLES,
    description="Contact information → activity characteristics → services to be provided → "
    "key dates & assignment.",
    fields=(
        FormField(
            "contact_phone", "1 · Contact phone", default=lambda d: d.extra["card"].phone or ""
        ),
        FormField(
            "contact_email", "1 · Contact email", default=lambda d: d.extra["card"].email or ""
        ),
        FormField("type", "2 · Activity type", required=True, placeholder="e.g. Installation"),
        FormField("related", "2 · Associated with", kind="choice", choices="related"),
        FormField("description", "2 · Description", kind="multiline"),
        *(
            FormField(
                f"service{i}", f"3 · Service to be provided {i}", kind="choice", choices="one_time"
            )
            for i in range(1, SERVICE_SLOTS + 1)
        ),
        FormField("start_at", "4 · Start", kind="datetime", required=True),
        FormField("estimated_completion_at", "4 · Estimated completion", kind="datetime"),
        FormField("expected_completion_at", "4 · Expected completion", kind="datetime"),
        *ASSIGNMENT,
    ),
    load=load_activity,
    submit=_schedule_activity,
    error_keys={
        **{f"services.{i - 1}.product_id": f"service{i}" for i in range(1, SERVICE_SLOTS + 1)},
        "related_type": "related",
        "related_id": "related",
        "contact_version": "contact_phone",
    },
)


# -- cases: follow-ups ---------------------------------------------------------------------
def load_follow_up(ctx: ServiceContext, data: FormData) -> None:
    assert data.contact_id is not None
    cases = care_items(ctx.engine, ctx.actor, data.contact_id, "case")
    data.lists["cases"] = pairs((c.id, f"{c.number} · {c.title} · {c.status}") for c in cases)
    data.lists["communications"] = pairs(
        (c.id, f"{c.created_at:%Y-%m-%d} {c.media} {c.direction} · {c.subject or '(no subject)'}")
        for c in communication_choices(ctx.engine, data.contact_id)
    )


def _add_follow_up(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    kind = "communication" if values.get("communication_id") else "note"
    added = cases.add_follow_up(ctx, {**clean(values), "kind": kind})
    return SaveResult(f"Follow-up added to the case ({added.kind}).", data.contact_id)


ADD_FOLLOW_UP = ActionSpec(
    name="Add a Follow-up",
    group="CRM",
    service=cases.add_follow_up,
    input_model=cases.FollowUpInput,
    roles=CARE_ROLES,
    description="A note, or a link to one of the customer's communications, on a case.",
    fields=(
        FormField(
            "case_id",
            "Case",
            kind="choice",
            choices="cases",
            required=True,
            default=lambda d: str(d.extra.get("case_id", "")),
        ),
        FormField("note", "Note", kind="multiline"),
        FormField(
            "communication_id", "Or link a communication", kind="choice", choices="communications"
        ),
    ),
    load=load_follow_up,
    submit=_add_follow_up,
)


# -- tasks ---------------------------------------------------------------------------------
def load_task(ctx: ServiceContext, data: FormData) -> None:
    assert data.contact_id is not None
    load_assignment(ctx, data)
    cases = care_items(ctx.engine, ctx.actor, data.contact_id, "case", open_only=True)
    data.lists["cases"] = pairs((c.id, f"{c.number} · {c.title}") for c in cases)


def _create_task(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    payload = {**clean(values), "contact_id": data.contact_id}
    payload.setdefault("assigned_agent_id", ctx.actor.agent_id)
    saved = tasks.create_task(ctx, payload)
    return SaveResult(
        f"Task {saved.number or saved.id} saved; you will be reminded.", data.contact_id
    )


CREATE_TASK = ActionSpec(
    name="Create a Task",
    group="CRM",
    service=tasks.create_task,
    input_model=tasks.TaskInput,
    roles=CARE_ROLES,
    description="A call, email, meeting or chat to do, with a reminder before it is due.",
    fields=(
        FormField(
            "kind",
            "Kind",
            kind="choice",
            required=True,
            default="call",
            choices=[(k, k.title()) for k in ("call", "email", "meeting", "chat", "other")],
        ),
        FormField("subject", "Subject", required=True),
        FormField("due_at", "Due", kind="datetime", required=True),
        FormField("reminder_minutes", "Remind me (minutes before)", kind="int", default="15"),
        FormField("case_id", "For case", kind="choice", choices="cases"),
        FormField("description", "Description", kind="multiline"),
        FormField(
            "assigned_agent_id", "Assign to agent (default: me)", kind="choice", choices="agents"
        ),
    ),
    load=load_task,
    submit=_create_task,
)
