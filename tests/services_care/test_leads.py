"""Take a Lead: source, interest, exact potential value, status."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commcentre_tui import models as m
from commcentre_tui.errors import RuleViolation, ValidationFailed
from commcentre_tui.services.leads import set_lead_status, take_lead


def test_take_a_lead_with_a_product_of_interest_and_an_exact_value(make, ctx) -> None:
    contact = make.contact()
    product = make.product("Fibre 1 Gbit", kind="recurring")
    saved = take_lead(
        ctx,
        {
            "contact_id": contact.id,
            "source": "web",
            "product_id": product.id,
            "potential_value": "1234.50",
            "assigned_unit": "Care",
        },
    )
    lead = make.get(m.Lead, saved.id)
    assert (lead.number, lead.status, lead.source, lead.interest) == (
        "L0000001",
        "new",
        "web",
        "Fibre 1 Gbit",
    )
    assert lead.potential_value == Decimal("1234.50")
    assert make.audit("lead", saved.id)[0].after["potential_value"] == "1234.50"
    other = take_lead(
        ctx,
        {
            "contact_id": contact.id,
            "interest": "Business lines",
            "status": "qualified",
            "potential_value": 0.1,
        },
    )
    assert make.get(m.Lead, other.id).potential_value == Decimal("0.10")


def test_lead_input_errors(make, ctx) -> None:
    contact = make.contact()
    with pytest.raises(ValidationFailed) as err:
        take_lead(
            ctx,
            {
                "contact_id": contact.id,
                "source": "pigeon",
                "potential_value": "-1",
                "status": "maybe",
                "interest": " ",
            },
        )
    errors = err.value.errors
    assert errors["interest"] == "Say what the customer is interested in, or pick a product."
    assert errors["potential_value"] == "Potential value must be at least 0."
    assert errors["status"] == "Status must be 'new', 'qualified', 'won' or 'lost'."
    assert errors["source"].startswith("Source must be 'phone', 'email'")
    with pytest.raises(ValidationFailed) as err:
        take_lead(ctx, {"contact_id": contact.id, "interest": "TV", "potential_value": "10.005"})
    assert err.value.errors == {
        "potential_value": "Potential value must have at most 2 decimal places."
    }
    with pytest.raises(ValidationFailed) as err:
        take_lead(ctx, {"contact_id": contact.id, "interest": "i" * 201, "potential_value": "ten"})
    assert err.value.errors == {
        "interest": "Interest must be at most 200 characters (it has 201).",
        "potential_value": "Potential value must be a number such as 12.50.",
    }
    with pytest.raises(ValidationFailed) as err:
        take_lead(ctx, {"contact_id": contact.id, "product_id": 999})
    assert err.value.errors == {"product_id": "That product is not in the catalogue."}
    assert make.count(m.Lead) == 0


def test_lead_status_moves_forward_only(make, ctx) -> None:
    saved = take_lead(ctx, {"contact_id": make.contact().id, "interest": "TV"})
    won = set_lead_status(
        ctx, saved.id, set_lead_status(ctx, saved.id, 1, "qualified").version, "won"
    )
    assert won.status == "won"
    with pytest.raises(RuleViolation, match="A lead that is won cannot become lost"):
        set_lead_status(ctx, saved.id, won.version, "lost")
