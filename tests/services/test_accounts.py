"""Create new Account, and the account/wallet read helpers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.errors import NotAllowed, ValidationFailed
from commcentre_tui.repo import finance_queries as q
from commcentre_tui.roles import RoleSettings
from commcentre_tui.services.accounts import create_account
from commcentre_tui.services.context import ServiceContext

from . import factories as f


def test_create_account_with_defaults_opens_a_wallet_and_audits(
    ctx: ServiceContext, engine: Engine
) -> None:
    owner = f.contact(engine, "Eleni", "Charalambous")
    result = create_account(ctx, {"contact_id": owner.id, "billing_address": "1 Main St, Nicosia"})

    assert result.number == "A00000001"
    assert result.currency == "EUR"
    assert "A00000001" in result.message and "Eleni Charalambous" in result.message
    [acc] = q.accounts_of_contact(engine, owner.id)
    assert acc.number == result.number and acc.balance == Decimal("0.00")
    assert acc.payment_terms_days == 30 and acc.name == "Eleni Charalambous"
    wallet = q.wallet_of_account(engine, acc.id)
    assert wallet is not None and wallet.id == result.wallet_id and wallet.balance == 0
    [entry] = f.audit_entries(engine, "Create new Account")
    assert entry.entity == "account" and entry.entity_id == acc.id
    assert entry.agent_id == ctx.actor.agent_id and entry.after["number"] == "A00000001"


def test_typed_number_currency_and_terms_are_kept(ctx: ServiceContext, engine: Engine) -> None:
    owner = f.contact(engine)
    result = create_account(
        ctx,
        {
            "contact_id": owner.id,
            "number": " acc-77 ",
            "currency": "usd",
            "payment_terms_days": "14",
        },
    )
    acc = q.get_account(engine, result.account_id)
    assert (acc.number, acc.currency, acc.payment_terms_days) == ("ACC-77", "USD", 14)


def test_a_used_account_number_is_refused_on_its_field(ctx: ServiceContext, engine: Engine) -> None:
    owner = f.contact(engine)
    create_account(ctx, {"contact_id": owner.id, "number": "A1"})
    with pytest.raises(ValidationFailed) as err:
        create_account(ctx, {"contact_id": owner.id, "number": "A1"})
    assert err.value.field == "number"
    assert str(err.value) == (
        "Account number A1 is already in use; type another or leave it empty "
        "for the next free number."
    )


def test_generated_numbers_skip_hand_typed_ones(ctx: ServiceContext, engine: Engine) -> None:
    owner = f.contact(engine)
    create_account(ctx, {"contact_id": owner.id, "number": "A00000001"})
    assert create_account(ctx, {"contact_id": owner.id}).number == "A00000002"


@pytest.mark.parametrize(
    ("data", "field", "sentence"),
    [
        ({}, "contact_id", "Owner is required."),
        (
            {"contact_id": 999},
            "contact_id",
            "Choose the contact who owns the account; there is no contact 999.",
        ),
        ({"currency": "EURO"}, "currency", "Currency is not in the expected format."),
        (
            {"payment_terms_days": -1},
            "payment_terms_days",
            "Payment terms (days) must be at least 0.",
        ),
        ({"number": "A 1"}, "number", "Account number is not in the expected format."),
        ({"colour": "red"}, "colour", "Colour is not a field of this form."),
    ],
)
def test_bad_input_names_the_field(
    ctx: ServiceContext, engine: Engine, data: dict, field: str, sentence: str
) -> None:
    owner = f.contact(engine)
    payload = {"contact_id": owner.id, **data} if "contact_id" not in data and data != {} else data
    with pytest.raises(ValidationFailed) as err:
        create_account(ctx, payload)
    assert err.value.field == field
    assert err.value.errors[field] == sentence


def test_a_role_without_the_action_is_refused(engine: Engine, settings: Settings) -> None:
    settings.roles["trainee"] = RoleSettings(actions=["Create a Communication"])
    trainee = f.actor(engine, settings, "trainee")
    owner = f.contact(engine)
    with pytest.raises(NotAllowed, match="may not run “Create new Account”"):
        create_account(ServiceContext(engine, settings, trainee), {"contact_id": owner.id})
    assert q.accounts_of_contact(engine, owner.id) == []
