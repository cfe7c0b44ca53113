"""The Customer Care tab's reads: items by kind with filters, assignment pickers, related records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from care_factories import soon

from commcentre_tui.repo.care_choices import (
    assignment_agents,
    assignment_units,
    communication_choices,
    related_choices,
)
from commcentre_tui.repo.care_queries import care_items
from commcentre_tui.services.jobs import plan_job, set_job_status
from commcentre_tui.services.service_requests import raise_service_request


def test_care_items_filter_by_type_status_and_date_range(make, ctx) -> None:
    contact, other = make.contact(), make.contact("Eleni", "Ioannou")
    now = datetime(2026, 11, 1, tzinfo=UTC)

    def job(kind, day, who=contact):
        return plan_job(
            ctx,
            {
                "contact_id": who.id,
                "type": kind,
                "assigned_unit": "Care",
                "scheduled_at": f"2026-11-{day:02d} 10:00",
                "description": f"{kind} {day}",
            },
            now=now,
        )

    visit = job("Visit", 3)
    repair = job("Repair", 10)
    late = job("Visit", 20)
    job("Visit", 5, other)
    set_job_status(ctx, late.id, late.version, "cancelled")
    rows = care_items(make.engine, ctx.actor, contact.id, "job")
    assert [r.id for r in rows] == [late.id, repair.id, visit.id]
    assert rows[-1].title == "Visit 3" and rows[-1].assigned_unit == "Care"
    assert rows[-1].key_date == datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert [r.id for r in care_items(make.engine, ctx.actor, contact.id, "job", type="Visit")] == [
        late.id,
        visit.id,
    ]
    assert [
        r.id for r in care_items(make.engine, ctx.actor, contact.id, "job", open_only=True)
    ] == [repair.id, visit.id]
    assert [
        r.id for r in care_items(make.engine, ctx.actor, contact.id, "job", status="cancelled")
    ] == [late.id]
    between = care_items(
        make.engine,
        ctx.actor,
        contact.id,
        "job",
        date_from=datetime(2026, 11, 3, 10, tzinfo=UTC),
        date_to=datetime(2026, 11, 10, 10, tzinfo=UTC),
    )
    assert [r.id for r in between] == [repair.id, visit.id]
    with pytest.raises(ValueError, match="unknown care kind"):
        care_items(make.engine, ctx.actor, contact.id, "complaint")


def test_service_requests_list_with_priority_and_agent_name(make, ctx) -> None:
    contact = make.contact()
    saved = raise_service_request(
        ctx,
        {
            "contact_id": contact.id,
            "type": "Fault",
            "priority": "urgent",
            "description": "No picture\nsince Monday",
            "assigned_agent_id": ctx.actor.agent_id,
        },
    )
    [row] = care_items(make.engine, ctx.actor, contact.id, "service_request", open_only=True)
    assert (row.number, row.type, row.title, row.priority, row.severity, row.assigned_agent) == (
        saved.number,
        "Fault",
        "No picture",
        "urgent",
        "minor",
        "Test Admin",
    )


def test_assignment_pickers_list_active_agents_and_their_units(make, ctx) -> None:
    make.agent("zeta", unit="Field")
    make.agent("alpha", unit="Billing")
    make.agent("gone", unit="Closed unit", active=False)
    assert assignment_units(make.engine) == ["Billing", "Care", "Field"]
    assert [a.display_name for a in assignment_agents(make.engine)] == [
        "Alpha",
        "Test Admin",
        "Zeta",
    ]
    assert [a.display_name for a in assignment_agents(make.engine, unit="Field")] == ["Zeta"]


def test_related_choices_and_communications_are_the_customers_own(make, ctx) -> None:
    contact, other = make.contact(), make.contact("Eleni", "Ioannou")
    account = make.account(contact)
    sub = make.subscription(account)
    make.account(other)
    make.communication(other)
    comm = make.communication(contact, "Welcome call")
    job = plan_job(
        ctx,
        {
            "contact_id": contact.id,
            "type": "Survey",
            "assigned_unit": "Care",
            "scheduled_at": soon(days=1),
        },
    )
    choices = related_choices(make.engine, ctx.actor, contact.id)
    assert [(c.kind, c.id) for c in choices] == [
        ("account", account.id),
        ("subscription", sub.id),
        ("job", job.id),
    ]
    assert choices[2].label == f"Job {job.number} Survey"
    assert [c.subject for c in communication_choices(make.engine, contact.id)] == [comm.subject]
