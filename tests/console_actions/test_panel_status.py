"""Status changes of care records from the Action Panel and from the Customer Care tab's key.

Each test makes its own record through the services, then drives the real console: the panel
(F10, type, Enter) or ``s`` on the highlighted row, the form, Ctrl+S and, for a change that
cannot be undone, the confirmation. The result is checked on screen and in the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from textual.widgets import Select

from commcentre_tui import models as m
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.services import activities, cases, jobs, leads, service_requests, tasks
from tests.console_actions.conftest import (
    choices,
    fill,
    from_panel,
    load_customer,
    make_app,
    notices,
    save,
    settle,
    show_tab,
    table_rows,
)

SOON = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d 10:00")


def assign(demo: Any) -> dict[str, Any]:
    return {"contact_id": demo.contact_id, "assigned_agent_id": demo.ctx.actor.agent_id}


def record(demo: Any, model: Any, record_id: int) -> Any:
    with reading(demo.engine) as session:
        return session.get(model, record_id)


async def care_rows(pilot: Any, kind: str) -> list[str]:
    """The Customer Care tab (F8) filtered to ``kind``: its rows as text."""
    tab = await show_tab(pilot, "care")
    tab.query_one("#care-type", Select).value = kind
    await settle(pilot)
    return table_rows(tab.query_one("#care-table"))


def row_of(rows: list[str], number: str) -> str:
    return next(r for r in rows if number in r)


async def test_complete_a_job_from_the_panel_asks_first_then_shows_it_completed(demo: Any) -> None:
    job = jobs.plan_job(
        demo.ctx, {**assign(demo), "type": "Technician Visit", "scheduled_at": SOON}
    )
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, demo.contact_id)
        form = await from_panel(pilot, "Update Job Status", "complete")
        assert any(job.number in label for _, label in choices(form, "record_id"))
        fill(form, record_id=job.id, status="completed")
        await save(pilot, answer="n")  # "Keep editing": nothing is written
        assert app.screen is form
        assert record(demo, m.Job, job.id).status == "open"
        await save(pilot, answer="y")
        assert app.screen is app.console_screen
        assert f"Job {job.number} is now completed." in notices(app)
        assert "completed" in row_of(await care_rows(pilot, "job"), job.number)
    saved = record(demo, m.Job, job.id)
    assert saved.status == "completed" and saved.completed_at is not None


async def test_close_a_case_with_the_care_tab_key_then_reopen_it_from_the_panel(demo: Any) -> None:
    case = cases.open_case(
        demo.ctx, {"contact_id": demo.contact_id, "subject": "Router keeps rebooting"}
    )
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, demo.contact_id)
        rows = await care_rows(pilot, "case")
        table = app.console_screen.customer_view.tab("care").query_one("#care-table")
        table.focus()
        table.move_cursor(row=rows.index(row_of(rows, case.number)))
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen) and form.spec.name == "Close a Case"
        assert form.values()["record_id"] == str(case.id)  # the highlighted case
        await save(pilot)  # closing is undone by reopening: no question
        assert app.screen is app.console_screen
        assert "closed" in row_of(await care_rows(pilot, "case"), case.number)
        assert record(demo, m.Case, case.id).closed_at is not None

        form = await from_panel(pilot, "Reopen a Case", "reopen")
        fill(form, record_id=case.id)
        await save(pilot)
        assert app.screen is app.console_screen
        assert "open" in row_of(await care_rows(pilot, "case"), case.number)
    reopened = record(demo, m.Case, case.id)
    assert reopened.status == "open" and reopened.closed_at is None


async def test_move_a_service_request_on_and_an_illegal_jump_is_one_sentence(demo: Any) -> None:
    sr = service_requests.raise_service_request(
        demo.ctx, {**assign(demo), "type": "No signal", "description": "Since Monday."}
    )
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, demo.contact_id)
        form = await from_panel(pilot, "Update Service Request Status", "update service")
        fill(form, record_id=sr.id, status="closed")
        await save(pilot)  # not allowed from open: no question, the service refuses
        assert app.screen is form
        assert any("cannot become closed; it can go to in progress" in n for n in notices(app))
        assert record(demo, m.ServiceRequest, sr.id).status == "open"
        fill(form, status="in_progress")
        await save(pilot)
        assert app.screen is app.console_screen
        assert "in progress" in row_of(await care_rows(pilot, "service_request"), sr.number)
    assert record(demo, m.ServiceRequest, sr.id).status == "in_progress"


async def test_complete_an_activity_from_the_panel(demo: Any) -> None:
    activity = activities.schedule_activity(
        demo.ctx, {**assign(demo), "type": "Installation", "start_at": SOON}
    )
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, demo.contact_id)
        form = await from_panel(pilot, "Update Activity Status", "update activity")
        fill(form, record_id=activity.id, status="completed")
        await save(pilot, answer="y")
        assert app.screen is app.console_screen
        assert "completed" in row_of(await care_rows(pilot, "activity"), activity.number)
    saved = record(demo, m.Activity, activity.id)
    assert saved.status == "completed" and saved.completed_at is not None


async def test_qualify_a_lead_then_win_it(demo: Any) -> None:
    lead = leads.take_lead(demo.ctx, {**assign(demo), "source": "web", "interest": "Fibre 1 Gbit"})
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, demo.contact_id)
        form = await from_panel(pilot, "Update Lead Status", "update lead")
        fill(form, record_id=lead.id, status="qualified")
        await save(pilot)  # qualified can still move on: no question
        assert app.screen is app.console_screen
        assert record(demo, m.Lead, lead.id).status == "qualified"
        form = await from_panel(pilot, "Update Lead Status", "update lead")
        fill(form, record_id=lead.id, status="won")
        await save(pilot, answer="y")
        assert "won" in row_of(await care_rows(pilot, "lead"), lead.number)
    assert record(demo, m.Lead, lead.id).status == "won"


async def test_complete_a_task_from_the_panel_stops_it_being_open(demo: Any) -> None:
    task = tasks.create_task(
        demo.ctx,
        {**assign(demo), "kind": "call", "subject": "Call back about the bill", "due_at": SOON},
    )
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, demo.contact_id)
        form = await from_panel(pilot, "Update Task Status", "update task")
        fill(form, record_id=task.id, status="completed")
        await save(pilot)  # a task can be reopened: no question
        assert app.screen is app.console_screen
        number = task.number or f"T{task.id}"
        assert "completed" in row_of(await care_rows(pilot, "task"), number)
    assert record(demo, m.Task, task.id).status == "completed"


async def test_another_agent_changed_the_job_meanwhile_nothing_is_overwritten(demo: Any) -> None:
    job = jobs.plan_job(demo.ctx, {**assign(demo), "type": "Meter check", "scheduled_at": SOON})
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, demo.contact_id)
        form = await from_panel(pilot, "Update Job Status", "update job")
        fill(form, record_id=job.id, status="cancelled")
        jobs.set_job_status(demo.ctx, job.id, job.version, "in_progress")  # someone else, first
        await save(pilot, answer="y")
        assert app.screen is form
        assert any("Another agent changed this job" in n for n in notices(app))
    assert record(demo, m.Job, job.id).status == "in_progress"


async def test_the_status_key_on_a_finished_record_says_why_and_opens_nothing(demo: Any) -> None:
    job = jobs.plan_job(demo.ctx, {**assign(demo), "type": "Dish alignment", "scheduled_at": SOON})
    jobs.set_job_status(demo.ctx, job.id, job.version, "cancelled")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, demo.contact_id)
        rows = await care_rows(pilot, "job")
        table = app.console_screen.customer_view.tab("care").query_one("#care-table")
        table.focus()
        table.move_cursor(row=rows.index(row_of(rows, job.number)))
        assert any(b.binding.id == "change_status" for b in app.screen.active_bindings.values())
        await pilot.press("s")
        await settle(pilot)
        assert app.screen is app.console_screen
        assert not isinstance(app.screen, ConfirmScreen)
        assert (
            f"Job {job.number} is cancelled; “Update Job Status” does not apply to it."
            in notices(app)
        )
