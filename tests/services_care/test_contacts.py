"""Log Person / Log Company Information and the likely-duplicate check, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commcentre_tui import models as m
from commcentre_tui.config import CustomField
from commcentre_tui.errors import NotAllowed, ValidationFailed
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.roles import RoleSettings
from commcentre_tui.services.contacts import (
    PersonInput,
    find_likely_duplicates,
    log_company,
    log_person,
)
from commcentre_tui.services.context import ServiceContext


def person(**extra):
    return {"first_name": "María", "last_name": "Müller", **extra}


def with_custom_fields(ctx: ServiceContext) -> ServiceContext:
    fields = [
        CustomField(name="Loyalty tier", required=True),
        CustomField(name="TVs", type="number"),
        CustomField(name="Born", type="date"),
        CustomField(name="VIP", type="bool"),
    ]
    contacts = ctx.settings.contacts.model_copy(update={"custom_fields": fields})
    return ServiceContext(
        ctx.engine, ctx.settings.model_copy(update={"contacts": contacts}), ctx.actor
    )


def test_log_person_stores_names_phones_emails_addresses_and_a_customer_number(make, ctx) -> None:
    created = log_person(
        ctx,
        person(
            phones=[
                {"number": "99 123456"},
                {"kind": "work", "number": "+44 20 7946 0958", "is_primary": True},
            ],
            emails=[{"address": "  Maria@Example.com "}],
            addresses=[{"street": "1 Makariou Ave", "city": "Nicosia", "country": "Cyprus"}],
        ),
    )
    assert created.customer_number == "C0000001"
    assert created.display_name == "María Müller"
    with reading(make.engine) as session:
        contact = session.get(m.Contact, created.contact_id)
        phones = session.execute(select(m.ContactPhone).order_by(m.ContactPhone.id)).scalars().all()
        email = session.execute(select(m.ContactEmail)).scalar_one()
        address = session.execute(select(m.ContactAddress)).scalar_one()
    assert contact.kind == "person" and contact.first_name_norm == "maria"
    assert [(p.number, p.e164, p.is_primary) for p in phones] == [
        ("99 123456", "+35799123456", False),
        ("+44 20 7946 0958", "+442079460958", True),
    ]
    # Stored in normal form (the domain in lower case) beside what was typed, as phones are.
    assert (
        email.address,
        email.address_as_typed,
        email.typed,
        email.address_norm,
        email.is_primary,
    ) == ("Maria@example.com", "Maria@Example.com", "Maria@Example.com", "maria@example.com", True)
    assert address.city_norm == "nicosia" and address.is_primary
    [entry] = make.audit("contact", created.contact_id)
    assert entry.action == "Log Person Information"
    assert entry.after["customer_number"] == "C0000001" and len(entry.after["phones"]) == 2
    assert log_person(ctx, person(first_name="Eleni")).customer_number == "C0000002"


def test_log_company_needs_company_name_and_registration_number(make, ctx) -> None:
    with pytest.raises(ValidationFailed) as err:
        log_company(ctx, {"company_name": "  "})
    assert set(err.value.errors) == {"company_name", "registration_number"}
    assert err.value.errors["company_name"] == "Company name is required."
    created = log_company(ctx, {"company_name": "Acme Jets Ltd", "registration_number": "HE123456"})
    contact = make.get(m.Contact, created.contact_id)
    assert (contact.kind, contact.display_name, contact.registration_number) == (
        "company",
        "Acme Jets Ltd",
        "HE123456",
    )


def test_every_field_error_is_reported_at_once_and_nothing_is_written(make, ctx) -> None:
    with pytest.raises(ValidationFailed) as err:
        log_person(
            ctx,
            {
                "first_name": "",
                "last_name": "x" * 101,
                "phones": [{"number": "12"}],
                "emails": [{"address": "maria@"}],
                "addresses": [{"postal_code": "1010"}],
            },
        )
    errors = err.value.errors
    assert errors["first_name"] == "First name is required."
    assert errors["last_name"] == "Last name must be at most 100 characters (it has 101)."
    assert "not a valid phone number for region CY" in errors["phones.0.number"]
    assert "not a valid email address" in errors["emails.0.address"]
    assert errors["addresses.0.city"] == "An address needs at least a street or a city."
    assert str(err.value) == errors["first_name"]
    assert make.count(m.Contact) == 0 and make.count(m.AuditEntry) == 0
    # The failed attempts did not use up a customer number.
    assert log_person(ctx, person()).customer_number == "C0000001"


def test_repeated_numbers_and_two_primaries_are_refused(ctx) -> None:
    with pytest.raises(ValidationFailed) as err:
        log_person(
            ctx,
            person(
                phones=[
                    {"number": "99123456", "is_primary": True},
                    {"number": "+357 99 123456", "is_primary": True},
                ],
                emails=[{"address": "a@example.com"}, {"address": "A@EXAMPLE.COM"}],
            ),
        )
    assert set(err.value.errors) == {"phones.1.number", "phones.1.is_primary", "emails.1.address"}


def test_a_pydantic_model_instance_is_accepted_and_region_comes_from_config(make, ctx) -> None:
    settings = ctx.settings.model_copy(
        update={"search": ctx.settings.search.model_copy(update={"default_region": "GB"})}
    )
    gb = ServiceContext(ctx.engine, settings, ctx.actor)
    created = log_person(
        gb, PersonInput(first_name="Ann", last_name="Lee", phones=[{"number": "020 7946 0958"}])
    )
    with reading(make.engine) as session:
        phone = session.execute(select(m.ContactPhone)).scalar_one()
    assert phone.contact_id == created.contact_id and phone.e164 == "+442079460958"


def test_custom_fields_follow_the_config(make, ctx) -> None:
    cctx = with_custom_fields(ctx)
    with pytest.raises(ValidationFailed) as err:
        log_person(
            cctx,
            person(
                custom_fields={
                    "TVs": "two",
                    "Born": "31/12/1990",
                    "VIP": "maybe",
                    "Shoe size": "42",
                }
            ),
        )
    assert err.value.errors == {
        "custom_fields.Shoe size": "“Shoe size” is not a custom field of contacts (Loyalty tier, TVs, Born, VIP).",
        "custom_fields.Loyalty tier": "Loyalty tier is required.",
        "custom_fields.TVs": "TVs must be a number such as 12 or 12.5.",
        "custom_fields.Born": "Born must be a date such as 2026-12-01.",
        "custom_fields.VIP": "VIP must be yes or no.",
    }
    created = log_person(
        cctx,
        person(
            custom_fields={"Loyalty tier": " gold ", "TVs": "2", "Born": "1990-12-31", "VIP": "yes"}
        ),
    )
    assert make.get(m.Contact, created.contact_id).custom_fields == {
        "Loyalty tier": "gold",
        "TVs": 2,
        "Born": "1990-12-31",
        "VIP": True,
    }


def test_custom_field_errors_come_with_the_other_field_errors(ctx) -> None:
    with pytest.raises(ValidationFailed) as err:
        log_person(with_custom_fields(ctx), {"first_name": "Ann"})
    assert set(err.value.errors) == {"last_name", "custom_fields.Loyalty tier"}


def test_likely_duplicates_match_normalised_phone_or_email(make, ctx) -> None:
    first = log_person(
        ctx, person(phones=[{"number": "99 123456"}], emails=[{"address": "maria@example.com"}])
    )
    other = log_person(
        ctx,
        {
            "first_name": "Eleni",
            "last_name": "Ioannou",
            "emails": [{"address": "Eleni@Example.org"}],
        },
    )
    found = find_likely_duplicates(ctx, ["+357 99-12-34-56"], [])
    assert [(d.contact_id, d.matched_on, d.value) for d in found] == [
        (first.contact_id, "phone", "+35799123456")
    ]
    assert found[0].display_name == "María Müller" and found[0].customer_number == "C0000001"
    found = find_likely_duplicates(
        ctx, ["not a number", ""], ["ELENI@example.ORG", "nobody@example.com"]
    )
    assert [(d.contact_id, d.matched_on) for d in found] == [(other.contact_id, "email")]
    assert (
        find_likely_duplicates(ctx, ["0035799123456"], ["maria@example.com"])[0].matched_on
        == "phone"
    )
    assert find_likely_duplicates(ctx, [], []) == []


def test_a_role_without_the_action_may_not_log_a_person(make, ctx) -> None:
    role = RoleSettings(default_level="edit", actions=["Take a Lead"])
    actor = Actor(agent_id=ctx.actor.agent_id, username="limited", role_name="limited", role=role)
    with pytest.raises(NotAllowed, match="may not run “Log Person Information”"):
        log_person(ServiceContext(ctx.engine, ctx.settings, actor), person())
    assert make.count(m.Contact) == 0
