"""Customer-care action forms: Schedule an Activity (the seed's steps), follow-ups and tasks."""

from __future__ import annotations

from typing import Any

from commcentre_tui.screens.actions.spec import (
    ActionSpec,
    FieldSpec,
    FormData,
    SaveResult,
    register,
)
from commcentre_tui.screens.actions.specs_crm import ASSIGNMENT, clean, load_assignment, pairs
from commcentre_tui.services.context import ServiceContext

SERVICE_SLOTS = 3


def load_activity(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.errors import NotFound
    from commcentre_tui.repo.care_queries import one_time_products, related_choices
    from commcentre_tui.repo.contact_queries import contact_card

    assert data.contact_id is not None
    card = contact_card(ctx.engine, data.contact_id)
    if card is None:
        raise NotFound("The customer no longer exists.")
    data.extra["card"] = card
    load_assignment(ctx, data)
    data.lists["related"] = pairs((f"{r.kind}:{r.id}", r.label)
                                  for r in related_choices(ctx.engine, ctx.actor, data.contact_id))
    data.lists["one_time"] = pairs((p.id, f"{p.name} · {p.price}") for p in one_time_products(ctx.engine))


def schedule_activity(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    from commcentre_tui.services.activities import schedule_activity as service

    card = data.extra["card"]
    related = values.get("related")
    kind, _, rid = related.partition(":") if related else (None, "", None)
    services = [{"product_id": values[f"service{i}"]} for i in range(1, SERVICE_SLOTS + 1)
                if values.get(f"service{i}")]
    payload = {
        **clean(values, "related", *[f"service{i}" for i in range(1, SERVICE_SLOTS + 1)]),
        "contact_id": data.contact_id, "contact_version": card.version,
        "related_type": kind, "related_id": rid or None, "services": services,
    }
    saved = service(ctx, payload)
    note = " Contact details updated." if saved.contact_updated else ""
    return SaveResult(f"Activity {saved.number} scheduled.{note}", data.contact_id)


register(ActionSpec(
    name="Schedule an Activity",
    description="Contact information → activity characteristics → services to be provided → "
    "key dates & assignment.",
    fields=(
        FieldSpec("contact_phone", "1 · Contact phone", default=lambda d: d.extra["card"].phone or ""),
        FieldSpec("contact_email", "1 · Contact email", default=lambda d: d.extra["card"].email or ""),
        FieldSpec("type", "2 · Activity type", required=True, placeholder="e.g. Installation"),
        FieldSpec("related", "2 · Associated with", kind="choice", choices="related"),
        FieldSpec("description", "2 · Description", kind="multiline"),
        *(FieldSpec(f"service{i}", f"3 · Service to be provided {i}", kind="choice", choices="one_time")
          for i in range(1, SERVICE_SLOTS + 1)),
        FieldSpec("start_at", "4 · Start", kind="datetime", required=True),
        FieldSpec("estimated_completion_at", "4 · Estimated completion", kind="datetime"),
        FieldSpec("expected_completion_at", "4 · Expected completion", kind="datetime"),
        *ASSIGNMENT,
    ),
    load=load_activity,
    submit=schedule_activity,
    error_keys={**{f"services.{i - 1}.product_id": f"service{i}" for i in range(1, SERVICE_SLOTS + 1)},
                "related_type": "related", "related_id": "related", "contact_version": "contact_phone"},
))


# -- cases: follow-ups ---------------------------------------------------------------------
def load_follow_up(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.repo.care_queries import care_items, communication_choices

    assert data.contact_id is not None
    cases = care_items(ctx.engine, ctx.actor, data.contact_id, "case")
    data.lists["cases"] = pairs((c.id, f"{c.number} · {c.title} · {c.status}") for c in cases)
    data.lists["communications"] = pairs(
        (c.id, f"{c.created_at:%Y-%m-%d} {c.media} {c.direction} · {c.subject or '(no subject)'}")
        for c in communication_choices(ctx.engine, data.contact_id)
    )


def add_follow_up(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    from commcentre_tui.services.cases import add_follow_up as service

    kind = "communication" if values.get("communication_id") else "note"
    added = service(ctx, {**clean(values), "kind": kind})
    return SaveResult(f"Follow-up added to the case ({added.kind}).", data.contact_id)


register(ActionSpec(
    name="Add a Follow-up",
    description="A note, or a link to one of the customer's communications, on a case.",
    fields=(
        FieldSpec("case_id", "Case", kind="choice", choices="cases", required=True,
                  default=lambda d: str(d.extra.get("case_id", ""))),
        FieldSpec("note", "Note", kind="multiline"),
        FieldSpec("communication_id", "Or link a communication", kind="choice", choices="communications"),
    ),
    load=load_follow_up,
    submit=add_follow_up,
))


# -- tasks ---------------------------------------------------------------------------------
def load_task(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.repo.care_queries import care_items

    assert data.contact_id is not None
    load_assignment(ctx, data)
    cases = care_items(ctx.engine, ctx.actor, data.contact_id, "case", open_only=True)
    data.lists["cases"] = pairs((c.id, f"{c.number} · {c.title}") for c in cases)


def create_task(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    from commcentre_tui.services.tasks import create_task as service

    payload = {**clean(values), "contact_id": data.contact_id}
    payload.setdefault("assigned_agent_id", ctx.actor.agent_id)
    saved = service(ctx, payload)
    return SaveResult(f"Task {saved.number or saved.id} saved; you will be reminded.", data.contact_id)


register(ActionSpec(
    name="Create a Task",
    description="A call, email, meeting or chat to do, with a reminder before it is due.",
    fields=(
        FieldSpec("kind", "Kind", kind="choice", required=True, default="call",
                  choices=[(k, k.title()) for k in ("call", "email", "meeting", "chat", "other")]),
        FieldSpec("subject", "Subject", required=True),
        FieldSpec("due_at", "Due", kind="datetime", required=True),
        FieldSpec("reminder_minutes", "Remind me (minutes before)", kind="int", default="15"),
        FieldSpec("case_id", "For case", kind="choice", choices="cases"),
        FieldSpec("description", "Description", kind="multiline"),
        FieldSpec("assigned_agent_id", "Assign to agent (default: me)", kind="choice", choices="agents"),
    ),
    load=load_task,
    submit=create_task,
))
