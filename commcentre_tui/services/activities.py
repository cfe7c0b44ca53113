"""Schedule an Activity (the seed's steps as one input model), complete or cancel an activity.

Steps: contact information (pre-filled, editable: a changed primary phone or email is saved on
the contact in the same transaction, with its version checked) → characteristics (type,
optional association with another record of the same customer) → services to be provided
(one-time products) → key dates and assignment → Save.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from sqlmodel import Session

from commcentre_tui.models import (
    Activity,
    ActivityService,
    Contact,
    ContactEmail,
    ContactPhone,
    Product,
    utcnow,
)
from commcentre_tui.repo import audit
from commcentre_tui.repo.contact_queries import primary_email, primary_phone
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.numbers import next_number
from commcentre_tui.repo.permissions import check, enforce
from commcentre_tui.services.care_common import (
    Saved,
    assignment_errors,
    belongs_error,
    change_status,
    not_before_today,
    require_contact,
    rule_context,
    saved,
)
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.text import fold
from commcentre_tui.validation import (
    LONG_TEXT,
    FormModel,
    OptId,
    OptStr,
    OptWhen,
    When,
    blank_to_none,
    check_email,
    check_phone,
    limit,
    merge_failures,
    parse_input,
)

ACTION = "Schedule an Activity"
MAX_SERVICES = 20
RelatedKind = Literal[
    "account", "subscription", "job", "service_request", "case", "lead", "activity"
]
ACTIVITY_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "completed", "cancelled"),
    "in_progress": ("completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}


class ActivityServiceIn(FormModel):
    """A one-time service to be provided (a catalogue product) and how many."""

    product_id: int = Field(title="Service")
    quantity: int = Field(default=1, ge=1, le=999)


class ScheduleActivityInput(FormModel):
    """Schedule an Activity, all steps. Blank ``contact_phone``/``contact_email`` leave them as is."""

    contact_id: int
    contact_version: OptId = Field(default=None, title="Contact version")
    """The contact's version when the form was pre-filled (checked if phone/email change)."""
    contact_phone: OptStr = Field(
        default=None, max_length=limit(ContactPhone, "number"), title="Phone"
    )
    contact_email: OptStr = Field(default=None, max_length=254, title="Email")
    type: str = Field(min_length=1, max_length=limit(Activity, "type"))
    description: str = Field(default="", max_length=LONG_TEXT)
    related_type: Annotated[RelatedKind | None, BeforeValidator(blank_to_none)] = Field(
        default=None, title="Associated with"
    )
    related_id: OptId = Field(default=None, validate_default=True, title="Associated record")
    services: list[ActivityServiceIn] = Field(default_factory=list, max_length=MAX_SERVICES)
    start_at: When = Field(title="Start date")
    estimated_completion_at: OptWhen = Field(default=None, title="Estimated completion")
    expected_completion_at: OptWhen = Field(default=None, title="Expected completion")
    assigned_unit: OptStr = Field(default=None, max_length=limit(Activity, "assigned_unit"))
    assigned_agent_id: OptId = Field(default=None, validate_default=True, title="Assigned agent")

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        region = (info.context or {}).get("region")
        return check_phone(value, str(region))[0] if value is not None and region else value

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)

    @field_validator("related_id")
    @classmethod
    def _pair(cls, value: int | None, info: ValidationInfo) -> int | None:
        has_type = info.data.get("related_type") is not None
        if has_type and value is None:
            raise ValueError("Choose the record the activity is associated with.")
        if value is not None and not has_type and "related_type" in info.data:
            raise ValueError("Choose what kind of record the activity is associated with.")
        return value

    @field_validator("start_at")
    @classmethod
    def _start(cls, value: datetime, info: ValidationInfo) -> datetime | None:
        return not_before_today(value, info, "The start date")

    @field_validator("estimated_completion_at", "expected_completion_at")
    @classmethod
    def _after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start_at")
        if value is not None and start is not None and value < start:
            what = "estimated" if info.field_name == "estimated_completion_at" else "expected"
            raise ValueError(f"The {what} completion must not be before the start date.")
        return value

    @field_validator("assigned_agent_id")
    @classmethod
    def _someone(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None and not info.data.get("assigned_unit"):
            raise ValueError("Assign the activity to a unit, an agent or both.")
        return value


@dataclass(frozen=True)
class ActivityScheduled(Saved):
    """The new activity; ``contact_version`` is the contact's version after any phone/email edit."""

    contact_updated: bool = False
    contact_version: int = 0


def _service_errors(session: Session, services: list[ActivityServiceIn]) -> dict[str, str]:
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for i, item in enumerate(services):
        key = f"services.{i}.product_id"
        product = session.get(Product, item.product_id)
        if product is None or not product.active:
            errors[key] = "That service is not in the catalogue."
        elif product.kind != "one_time":
            errors[key] = (
                f"“{product.name}” is a recurring service; an activity provides one-time services."
            )
        elif item.product_id in seen:
            errors[key] = f"“{product.name}” is listed twice; raise its quantity instead."
        seen.add(item.product_id)
    return errors


def _update_contact(
    ctx: ServiceContext,
    session: Session,
    contact: Contact,
    form: ScheduleActivityInput,
) -> bool:
    """Save a changed primary phone/email on the contact (version-checked). True if changed."""
    region = ctx.settings.search.default_region
    phone = primary_phone(session, contact.id or 0)
    email = primary_email(session, contact.id or 0)
    new_e164 = check_phone(form.contact_phone, region)[1] if form.contact_phone else None
    phone_changed = new_e164 is not None and (phone is None or phone.e164 != new_e164)
    email_changed = form.contact_email is not None and (
        email is None or fold(email.address) != fold(form.contact_email)
    )
    if not (phone_changed or email_changed):
        return False
    check(ctx.actor, entity="contact", level="edit")
    before = {"phone": phone.number if phone else None, "email": email.address if email else None}
    expected = form.contact_version if form.contact_version is not None else contact.version
    update_versioned(
        session, Contact, contact.id or 0, expected, {"updated_at": utcnow()}, label="customer"
    )
    if phone_changed:
        if phone is None:
            session.add(
                ContactPhone(
                    contact_id=contact.id or 0,
                    number=form.contact_phone or "",
                    e164=new_e164,
                    is_primary=True,
                )
            )
        else:
            phone.number, phone.e164 = form.contact_phone or "", new_e164
    if email_changed:
        if email is None:
            session.add(
                ContactEmail(
                    contact_id=contact.id or 0, address=form.contact_email or "", is_primary=True
                )
            )
        else:
            email.address = form.contact_email or ""
    session.flush()
    after = {
        "phone": form.contact_phone if phone_changed else before["phone"],
        "email": form.contact_email if email_changed else before["email"],
    }
    audit.record(
        session,
        agent_id=ctx.actor.agent_id,
        action=ACTION,
        entity="contact",
        entity_id=contact.id,
        before=before,
        after=after,
        detail="contact details edited",
    )
    return True


def schedule_activity(
    ctx: ServiceContext,
    data: ScheduleActivityInput | Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> ActivityScheduled:
    """Schedule an Activity (status ``open``) with its services, in one transaction.

    Raises ``ValidationFailed`` (all field errors; unknown or recurring products; an association
    with another customer's record), ``Conflict`` (the contact changed since the form loaded it
    and the phone or email is being edited), ``NotFound`` or ``NotAllowed``.
    """
    form = parse_input(ScheduleActivityInput, data, rule_context(ctx, now))
    enforce(ctx.engine, ctx.actor, entity="activity", level="edit", action=ACTION)
    with transaction(ctx.engine) as session:
        contact = require_contact(session, form.contact_id)
        related = belongs_error(session, form.related_type or "", form.related_id, form.contact_id)
        merge_failures(
            {"related_id": related} if related else {},
            _service_errors(session, form.services),
            assignment_errors(session, form.assigned_unit, form.assigned_agent_id),
        )
        changed = _update_contact(ctx, session, contact, form)
        activity = Activity(
            number=next_number(session, "activity"),
            contact_id=form.contact_id,
            type=form.type,
            description=form.description,
            related_type=form.related_type,
            related_id=form.related_id,
            start_at=form.start_at,
            estimated_completion_at=form.estimated_completion_at,
            expected_completion_at=form.expected_completion_at,
            assigned_unit=form.assigned_unit,
            assigned_agent_id=form.assigned_agent_id,
            created_by_id=ctx.actor.agent_id,
        )
        session.add(activity)
        session.flush()
        assert activity.id is not None
        session.add_all(
            ActivityService(activity_id=activity.id, product_id=s.product_id, quantity=s.quantity)
            for s in form.services
        )
        after = audit.snapshot(activity) or {}
        after["services"] = [s.model_dump() for s in form.services]
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=ACTION,
            entity="activity",
            entity_id=activity.id,
            after=after,
        )
        base = saved("activity", activity)
        return ActivityScheduled(
            **base.__dict__, contact_updated=changed, contact_version=contact.version
        )


def set_activity_status(
    ctx: ServiceContext, activity_id: int, expected_version: int, status: str
) -> Saved:
    """Move an activity along :data:`ACTIVITY_TRANSITIONS`; completing stamps ``completed_at``."""
    return change_status(
        ctx,
        model=Activity,
        entity="activity",
        record_id=activity_id,
        expected_version=expected_version,
        target=status,
        transitions=ACTIVITY_TRANSITIONS,
        action="Update Activity Status",
        extra=lambda _a, now: {"completed_at": now} if status == "completed" else {},
    )


def complete_activity(ctx: ServiceContext, activity_id: int, expected_version: int) -> Saved:
    """Mark an open or in-progress activity completed (it leaves "non-completed activities")."""
    return set_activity_status(ctx, activity_id, expected_version, "completed")


def cancel_activity(ctx: ServiceContext, activity_id: int, expected_version: int) -> Saved:
    """Cancel an open or in-progress activity."""
    return set_activity_status(ctx, activity_id, expected_version, "cancelled")
