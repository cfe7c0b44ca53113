"""Schedule an Activity (the seed's steps), complete/cancel, and the non-completed list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from care_factories import soon
from sqlalchemy import select

from commcentre_tui import models as m
from commcentre_tui.errors import Conflict, RuleViolation, ValidationFailed
from commcentre_tui.repo.care_choices import one_time_products
from commcentre_tui.repo.care_queries import non_completed_activities
from commcentre_tui.repo.contact_queries import contact_card
from commcentre_tui.repo.db import reading
from commcentre_tui.services.activities import (
    cancel_activity,
    complete_activity,
    schedule_activity,
)
from commcentre_tui.services.jobs import plan_job


def form(contact, **extra):
    return {
        "contact_id": contact.id,
        "type": "Installation",
        "start_at": soon(days=1),
        "assigned_unit": "Care",
        **extra,
    }


def test_schedule_an_activity_with_services_association_dates_and_assignment(make, ctx) -> None:
    contact = make.contact(phone="99 123456", e164="+35799123456", email="maria@example.com")
    install = make.product("Dish installation")
    cable = make.product("Cable run")
    job = plan_job(
        ctx,
        {
            "contact_id": contact.id,
            "type": "Survey",
            "scheduled_at": soon(days=1),
            "assigned_unit": "Care",
        },
    )
    start = soon(days=2).replace(microsecond=0)
    saved = schedule_activity(
        ctx,
        form(
            contact,
            related_type="job",
            related_id=job.id,
            description="Install the dish",
            services=[{"product_id": install.id}, {"product_id": cable.id, "quantity": "3"}],
            start_at=start,
            estimated_completion_at=soon(days=2, hours=3),
            expected_completion_at=soon(days=3),
            assigned_agent_id=ctx.actor.agent_id,
            contact_phone="99 123456",
            contact_email="MARIA@example.com",
        ),
    )
    assert (saved.number, saved.status, saved.contact_updated, saved.contact_version) == (
        "AC0000001",
        "open",
        False,
        1,
    )
    with reading(make.engine) as session:
        activity = session.get(m.Activity, saved.id)
        services = session.execute(
            select(m.ActivityService.product_id, m.ActivityService.quantity).order_by(
                m.ActivityService.id
            )
        ).all()
    assert (activity.related_type, activity.related_id, activity.start_at) == ("job", job.id, start)
    assert [tuple(s) for s in services] == [(install.id, 1), (cable.id, 3)]
    [entry] = make.audit("activity", saved.id)
    assert entry.action == "Schedule an Activity" and len(entry.after["services"]) == 2
    assert make.audit("contact", contact.id) == []


def test_the_pickers_offer_one_time_products_and_the_contact_card(make, ctx) -> None:
    contact = make.contact(phone="99 123456", e164="+35799123456", email="maria@example.com")
    install = make.product("Installation")
    make.product("TV Basic", kind="recurring")
    make.product("Withdrawn", active=False)
    assert [p.name for p in one_time_products(make.engine)] == [install.name]
    card = contact_card(make.engine, contact.id)
    assert (card.phone, card.email, card.version, card.display_name) == (
        "99 123456",
        "maria@example.com",
        1,
        "Maria Georgiou",
    )
    assert contact_card(make.engine, 9999) is None


def test_editing_the_contact_step_updates_the_contact_in_the_same_transaction(make, ctx) -> None:
    contact = make.contact(phone="99 123456", e164="+35799123456", email="maria@example.com")
    saved = schedule_activity(
        ctx,
        form(
            contact,
            contact_version=1,
            contact_phone="+357 96 555 555",
            contact_email="maria.g@example.com",
        ),
    )
    assert saved.contact_updated and saved.contact_version == 2
    card = contact_card(make.engine, contact.id)
    assert (card.phone, card.phone_e164, card.email, card.version) == (
        "+357 96 555 555",
        "+35796555555",
        "maria.g@example.com",
        2,
    )
    [entry] = make.audit("contact", contact.id)
    assert entry.before == {"phone": "99 123456", "email": "maria@example.com"}
    assert entry.after == {"phone": "+357 96 555 555", "email": "maria.g@example.com"}


def test_a_contact_changed_meanwhile_is_a_conflict_and_nothing_is_written(make, ctx) -> None:
    contact = make.contact(phone="99 123456", e164="+35799123456")
    schedule_activity(ctx, form(contact, contact_version=1, contact_phone="96 555555"))  # now v2
    with pytest.raises(Conflict, match="Another agent changed this customer"):
        schedule_activity(ctx, form(contact, contact_version=1, contact_phone="97 777777"))
    assert make.count(m.Activity) == 1
    assert contact_card(make.engine, contact.id).phone == "96 555555"


def test_a_contact_without_phone_or_email_gets_them_added(make, ctx) -> None:
    contact = make.contact()
    schedule_activity(
        ctx,
        form(
            contact, contact_version=1, contact_phone="99 123456", contact_email="new@example.com"
        ),
    )
    card = contact_card(make.engine, contact.id)
    assert (card.phone_e164, card.email) == ("+35799123456", "new@example.com")


def test_every_step_is_validated(make, ctx) -> None:
    contact, other = make.contact(), make.contact("Eleni", "Ioannou")
    recurring = make.product("TV Basic", kind="recurring")
    install = make.product("Installation")
    their_account = make.account(other)
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as err:
        schedule_activity(
            ctx,
            {
                "contact_id": contact.id,
                "contact_phone": "12",
                "contact_email": "nope",
                "type": "",
                "related_type": "job",
                "services": [{"product_id": install.id, "quantity": 0}],
                "start_at": "2026-11-24 10:00",
                "estimated_completion_at": "2026-11-24 09:59",
                "expected_completion_at": "2026-11-23",
                "assigned_unit": " ",
            },
            now=now,
        )
    assert err.value.errors == {
        "contact_phone": "“12” is not a valid phone number for region CY (use the international "
        "form, e.g. +357 99 123456).",
        "contact_email": "“nope” is not a valid email address (expected name@example.com).",
        "type": "Type is required.",
        "related_id": "Choose the record the activity is associated with.",
        "services.0.quantity": "Service 1 quantity must be at least 1.",
        "estimated_completion_at": "The estimated completion must not be before the start date.",
        "expected_completion_at": "The expected completion must not be before the start date.",
        "assigned_agent_id": "Assign the activity to a unit, an agent or both.",
    }
    with pytest.raises(ValidationFailed) as err:
        schedule_activity(ctx, form(contact, start_at="2026-11-22 23:00"), now=now)
    assert err.value.errors == {"start_at": "The start date must not be in the past."}
    with pytest.raises(ValidationFailed) as err:
        schedule_activity(
            ctx,
            form(
                contact,
                related_type="account",
                related_id=their_account.id,
                services=[
                    {"product_id": recurring.id},
                    {"product_id": install.id},
                    {"product_id": install.id},
                    {"product_id": 9999},
                ],
            ),
        )
    assert err.value.errors == {
        "related_id": "That account belongs to another customer.",
        "services.0.product_id": "“TV Basic” is a recurring service; an activity provides one-time services.",
        "services.2.product_id": "“Installation” is listed twice; raise its quantity instead.",
        "services.3.product_id": "That service is not in the catalogue.",
    }
    assert make.count(m.Activity) == 0 and make.count(m.ActivityService) == 0


def test_non_completed_activities_and_complete_or_cancel(make, ctx) -> None:
    contact = make.contact()
    first = schedule_activity(ctx, form(contact, start_at=soon(days=1)))
    second = schedule_activity(ctx, form(contact, start_at=soon(days=2)))
    third = schedule_activity(
        ctx, form(contact, start_at=soon(days=3), assigned_agent_id=ctx.actor.agent_id)
    )
    listed = non_completed_activities(make.engine, contact_id=contact.id)
    assert [a.id for a in listed] == [first.id, second.id, third.id]
    done = complete_activity(ctx, first.id, first.version)
    assert done.status == "completed" and make.get(m.Activity, first.id).completed_at is not None
    cancel_activity(ctx, second.id, second.version)
    assert [a.id for a in non_completed_activities(make.engine, contact_id=contact.id)] == [
        third.id
    ]
    assert [a.id for a in non_completed_activities(make.engine, agent_id=ctx.actor.agent_id)] == [
        third.id
    ]
    assert non_completed_activities(make.engine, unit="Elsewhere") == []
    with pytest.raises(
        RuleViolation, match="An activity that is completed cannot become cancelled"
    ):
        cancel_activity(ctx, first.id, done.version)
    with pytest.raises(Conflict):
        complete_activity(ctx, third.id, third.version + 1)
