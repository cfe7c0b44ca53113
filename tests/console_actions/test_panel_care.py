"""The CRM and customer-care actions, each driven from the Action Panel in the console.

Open the panel (F10), type to filter, Enter, fill the form, Ctrl+S; then the new record is on
screen (the header or the Customer Care tab, or the case's view) and in the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from textual.widgets import Select

from commcentre_tui import models as m
from commcentre_tui.actions.crm import custom_key
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.detail import DetailScreen
from commcentre_tui.services import cases
from commcentre_tui.widgets.record_table import KeyTable
from tests.console_actions.conftest import (
    choices,
    field_error,
    fill,
    from_panel,
    header_text,
    load_customer,
    make_app,
    notices,
    save,
    settle,
    show_tab,
    table_rows,
)

SOON = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d 10:00")
PAST = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d 10:00")


def latest(demo: Any, model: Any, *where: Any) -> Any:
    with reading(demo.engine) as session:
        return (
            session.execute(select(model).where(*where).order_by(model.id.desc())).scalars().first()
        )


async def care_rows(pilot: Any, kind: str) -> list[str]:
    tab = await show_tab(pilot, "care")
    tab.query_one("#care-type", Select).value = kind
    await settle(pilot)
    return table_rows(tab.query_one("#care-table"))


async def started(pilot: Any, demo: Any) -> None:
    await settle(pilot)
    await load_customer(pilot, demo.contact_id)


def me(form: Any, demo: Any) -> str:
    agent = str(demo.ctx.actor.agent_id)
    assert agent in {v for v, _ in choices(form, "assigned_agent_id")}
    return agent


async def test_log_person_information_with_no_customer_loads_the_new_customer(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        form = await from_panel(pilot, "Log Person Information", "log person")
        fill(
            form,
            first_name="Lambros",
            last_name="Nikolaou",
            phone="99 118877",
            email="lambros.n@example.com",
            city="Limassol",
            **{custom_key("Loyalty tier"): "silver"},
        )
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        assert "Lambros Nikolaou" in header_text(app)
        loaded = app.customer_id
    contact = latest(
        demo, m.Contact, m.Contact.last_name == "Nikolaou", m.Contact.first_name == "Lambros"
    )
    assert contact is not None and loaded == contact.id
    assert contact.custom_fields == {
        "Loyalty tier": "silver"
    }  # a custom field from config, name with a space


async def test_log_company_information(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        form = await from_panel(pilot, "Log Company Information", "log company")
        fill(form, company_name="Mesogeios Fisheries Ltd", registration_number="HE 404040")
        await save(pilot)
        assert "Mesogeios Fisheries Ltd" in header_text(app)
    assert (
        latest(demo, m.Contact, m.Contact.company_name == "Mesogeios Fisheries Ltd").kind
        == "company"
    )


async def test_plan_a_job_a_past_date_is_refused_beside_the_field_then_it_saves(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, demo)
        form = await from_panel(pilot, "Plan a Job")
        fill(form, type="Antenna install", scheduled_at=PAST, assigned_agent_id=me(form, demo))
        await save(pilot)
        assert app.screen is form
        assert "today or later" in field_error(form, "scheduled_at") or field_error(
            form, "scheduled_at"
        )
        assert latest(demo, m.Job, m.Job.type == "Antenna install") is None
        fill(form, scheduled_at=SOON)
        await save(pilot)
        assert app.screen is app.console_screen
        job = latest(demo, m.Job, m.Job.type == "Antenna install")
        assert any(
            job.number in r and "Antenna install" in r for r in await care_rows(pilot, "job")
        )


async def test_raise_a_service_request(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, demo)
        form = await from_panel(pilot, "Raise a Service Request", "raise")
        fill(
            form,
            type="Slow internet",
            priority="high",
            severity="major",
            description="Speed drops every evening.",
            assigned_agent_id=me(form, demo),
        )
        await save(pilot)
        assert app.screen is app.console_screen
        sr = latest(demo, m.ServiceRequest, m.ServiceRequest.type == "Slow internet")
        assert sr.priority == "high" and sr.status == "open"
        assert any(sr.number in r for r in await care_rows(pilot, "service_request"))


async def test_schedule_an_activity_with_a_service_to_be_provided(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, demo)
        form = await from_panel(pilot, "Schedule an Activity", "schedule")
        assert form.values()["contact_phone"] or form.values()["contact_email"]  # pre-filled
        product = choices(form, "service1")[0][0]
        fill(
            form,
            type="Installation",
            service1=product,
            start_at=SOON,
            assigned_agent_id=me(form, demo),
        )
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        activity = latest(demo, m.Activity, m.Activity.contact_id == demo.contact_id)
        assert activity.type == "Installation" and activity.status == "open"
        assert any(activity.number in r for r in await care_rows(pilot, "activity"))
    with reading(demo.engine) as session:
        services = (
            session.execute(
                select(m.ActivityService).where(m.ActivityService.activity_id == activity.id)
            )
            .scalars()
            .all()
        )
    assert [s.product_id for s in services] == [int(product)]


async def test_take_a_lead_with_a_potential_value(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, demo)
        form = await from_panel(pilot, "Take a Lead", "take a lead")
        fill(
            form,
            source="referral",
            interest="Business fibre for 3 shops",
            potential_value="1250.50",
        )
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        lead = latest(demo, m.Lead, m.Lead.interest == "Business fibre for 3 shops")
        assert lead.potential_value == Decimal("1250.50")
        assert any(lead.number in r for r in await care_rows(pilot, "lead"))


async def test_open_a_case_then_add_a_follow_up_shown_in_the_case_view(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, demo)
        form = await from_panel(pilot, "Open a Case", "open a case")
        fill(form, subject="Double charge in March", priority="urgent")
        await save(pilot)
        assert app.screen is app.console_screen
        case = latest(demo, m.Case, m.Case.subject == "Double charge in March")
        rows = await care_rows(pilot, "case")
        assert any(case.number in r for r in rows)

        form = await from_panel(pilot, "Add a Follow-up", "follow-up")
        fill(form, case_id=case.id, note="Refund requested from billing.")
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        rows = await care_rows(pilot, "case")
        table = app.console_screen.customer_view.tab("care").query_one("#care-table")
        table.focus()
        table.move_cursor(row=next(i for i, r in enumerate(rows) if case.number in r))
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        children = [r for t in app.screen.query(KeyTable) for r in table_rows(t)]
        assert any("Refund requested from billing." in r for r in children)
    assert [f.note for f in cases_follow_ups(demo, case.id)] == ["Refund requested from billing."]


def cases_follow_ups(demo: Any, case_id: int) -> list[Any]:
    with reading(demo.engine) as session:
        return list(
            session.execute(select(m.FollowUp).where(m.FollowUp.case_id == case_id)).scalars()
        )


async def test_a_closed_case_takes_no_follow_up(demo: Any) -> None:
    case = cases.open_case(demo.ctx, {"contact_id": demo.contact_id, "subject": "Closed already"})
    cases.close_case(demo.ctx, case.id, case.version)
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, demo)
        form = await from_panel(pilot, "Add a Follow-up", "follow-up")
        fill(form, case_id=case.id, note="Too late")
        await save(pilot)
        assert app.screen is form
        assert any("closed" in n.lower() for n in notices(app)), notices(app)
    assert cases_follow_ups(demo, case.id) == []


async def test_create_a_task_with_a_reminder(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, demo)
        form = await from_panel(pilot, "Create a Task", "create a task")
        fill(
            form,
            kind="meeting",
            subject="Visit the shop about the upgrade",
            due_at=SOON,
            reminder_minutes="30",
        )
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        task = latest(demo, m.Task, m.Task.subject == "Visit the shop about the upgrade")
        assert task.reminder_minutes == 30 and task.assigned_agent_id == demo.ctx.actor.agent_id
        assert any("Visit the shop" in r for r in await care_rows(pilot, "task"))


async def test_escape_with_typed_data_asks_and_keeps_the_form(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, demo)
        form = await from_panel(pilot, "Open a Case", "open a case")
        fill(form, subject="Half typed")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form and form.values()["subject"] == "Half typed"
    assert latest(demo, m.Case, m.Case.subject == "Half typed") is None
