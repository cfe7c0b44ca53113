"""Take a Lead: source, interest (a catalogue product and/or words), potential value, status."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from sqlmodel import Session

from commcentre_tui.models import Lead, Product
from commcentre_tui.repo.numbers import next_number
from commcentre_tui.services.care_common import (
    LeadSource,
    Saved,
    assignment_errors,
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
    blank_to_none,
    limit,
    merge_failures,
    parse_input,
)

ACTION = "Take a Lead"
LeadStatus = Literal["new", "qualified", "won", "lost"]
LEAD_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("qualified", "won", "lost"),
    "qualified": ("won", "lost"),
    "won": (),
    "lost": (),
}


def _no_float(value: Any) -> Any:
    """Money never passes through a binary float: ``12.3`` becomes ``Decimal("12.3")``."""
    return Decimal(str(value)) if isinstance(value, float) else blank_to_none(value)


class LeadInput(FormModel):
    """Take a Lead. Give the product of interest, a description of the interest, or both."""

    contact_id: int
    source: LeadSource = "phone"
    product_id: OptId = Field(default=None, title="Product of interest")
    interest: OptStr = Field(
        default=None, max_length=limit(Lead, "interest"), validate_default=True
    )
    potential_value: Annotated[Decimal | None, BeforeValidator(_no_float)] = Field(
        default=None, ge=0, max_digits=14, decimal_places=2
    )
    status: LeadStatus = "new"
    description: str = Field(default="", max_length=LONG_TEXT)
    assigned_unit: OptStr = Field(default=None, max_length=limit(Lead, "assigned_unit"))
    assigned_agent_id: OptId = Field(default=None, title="Assigned agent")

    @field_validator("interest")
    @classmethod
    def _some_interest(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("product_id") is None and "product_id" in info.data:
            raise ValueError("Say what the customer is interested in, or pick a product.")
        return value


def take_lead(ctx: ServiceContext, data: LeadInput | Mapping[str, Any]) -> Saved:
    """Take a Lead for a contact; one transaction with its audit entry.

    Raises ``ValidationFailed`` (bad fields, an unknown or withdrawn product), ``NotFound`` or
    ``NotAllowed``.
    """
    lead = parse_input(LeadInput, data, rule_context(ctx))

    def build(session: Session) -> Lead:
        require_contact(session, lead.contact_id)
        errors: dict[str, str] = {}
        interest = lead.interest
        if lead.product_id is not None:
            product = session.get(Product, lead.product_id)
            if product is None or not product.active:
                errors["product_id"] = "That product is not in the catalogue."
            elif interest is None:
                interest = product.name
        merge_failures(
            errors, assignment_errors(session, lead.assigned_unit, lead.assigned_agent_id)
        )
        record = Lead(
            number=next_number(session, "lead"),
            created_by_id=ctx.actor.agent_id,
            **lead.model_dump(exclude={"interest"}),
            interest=interest or "",
        )
        session.add(record)
        return record

    return create_record(ctx, entity="lead", action=ACTION, build=build)


def set_lead_status(ctx: ServiceContext, lead_id: int, expected_version: int, status: str) -> Saved:
    """Move a lead along :data:`LEAD_TRANSITIONS` (new → qualified → won/lost)."""
    return change_status(
        ctx,
        model=Lead,
        entity="lead",
        record_id=lead_id,
        expected_version=expected_version,
        target=status,
        transitions=LEAD_TRANSITIONS,
        action="Update Lead Status",
    )
