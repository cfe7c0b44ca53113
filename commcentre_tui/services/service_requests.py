"""Raise a Service Request and move it through open → in progress → resolved → closed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field
from sqlmodel import Session

from commcentre_tui.models import ServiceRequest, Subscription
from commcentre_tui.repo.numbers import next_number
from commcentre_tui.services.care_common import (
    Priority,
    Saved,
    Severity,
    assignment_errors,
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
    OptStr,
    limit,
    merge_failures,
    parse_input,
)

ACTION = "Raise a Service Request"
#: The life cycle; a resolved request may go back to in progress when the fix did not hold.
SR_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress",),
    "in_progress": ("resolved",),
    "resolved": ("closed", "in_progress"),
    "closed": (),
}


class ServiceRequestInput(FormModel):
    """Raise a Service Request, optionally about a subscription and/or account of the same contact."""

    contact_id: int
    type: str = Field(min_length=1, max_length=limit(ServiceRequest, "type"))
    priority: Priority = "normal"
    severity: Severity = "minor"
    description: str = Field(min_length=1, max_length=LONG_TEXT)
    subscription_id: OptId = Field(default=None, title="Subscription")
    account_id: OptId = Field(default=None, title="Account")
    assigned_unit: OptStr = Field(default=None, max_length=limit(ServiceRequest, "assigned_unit"))
    assigned_agent_id: OptId = Field(default=None, title="Assigned agent")


def raise_service_request(
    ctx: ServiceContext, data: ServiceRequestInput | Mapping[str, Any]
) -> Saved:
    """Raise a Service Request (status ``open``); one transaction with its audit entry.

    Raises ``ValidationFailed`` (bad fields, a subscription/account of another customer, a
    subscription not on the chosen account), ``NotFound`` or ``NotAllowed``.
    """
    sr = parse_input(ServiceRequestInput, data, rule_context(ctx))

    def build(session: Session) -> ServiceRequest:
        require_contact(session, sr.contact_id)
        errors: dict[str, str] = {}
        for field, kind, value in (
            ("subscription_id", "subscription", sr.subscription_id),
            ("account_id", "account", sr.account_id),
        ):
            problem = belongs_error(session, kind, value, sr.contact_id)
            if problem:
                errors[field] = problem
        if not errors and sr.subscription_id is not None and sr.account_id is not None:
            sub = session.get(Subscription, sr.subscription_id)
            if sub is not None and sub.account_id != sr.account_id:
                errors["subscription_id"] = (
                    "That subscription is on a different account than the one chosen."
                )
        merge_failures(errors, assignment_errors(session, sr.assigned_unit, sr.assigned_agent_id))
        record = ServiceRequest(
            number=next_number(session, "service_request"),
            contact_id=sr.contact_id,
            created_by_id=ctx.actor.agent_id,
            **sr.model_dump(exclude={"contact_id"}),
        )
        session.add(record)
        return record

    return create_record(ctx, entity="service_request", action=ACTION, build=build)


def set_service_request_status(
    ctx: ServiceContext, request_id: int, expected_version: int, status: str
) -> Saved:
    """Move a service request along its life cycle (:data:`SR_TRANSITIONS`).

    Resolving stamps ``resolved_at``; going back to in progress clears it. Raises
    ``RuleViolation`` for an illegal change (e.g. open → closed) and ``Conflict`` when stale.
    """

    def extra(_record: Any, now: Any) -> dict[str, Any]:
        if status == "resolved":
            return {"resolved_at": now}
        return {"resolved_at": None} if status == "in_progress" else {}

    return change_status(
        ctx,
        model=ServiceRequest,
        entity="service_request",
        record_id=request_id,
        expected_version=expected_version,
        target=status,
        transitions=SR_TRANSITIONS,
        action="Update Service Request Status",
        extra=extra,
    )
