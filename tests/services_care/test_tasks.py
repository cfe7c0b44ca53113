"""Tasks with reminders: due time in the future, reminder time, catch-up, marking reminded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commcentre_tui import models as m
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.care_queries import due_reminders
from commcentre_tui.services.cases import open_case
from commcentre_tui.services.tasks import cancel_task, complete_task, create_task, mark_reminded

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def task_form(contact, **extra):
    return {
        "contact_id": contact.id,
        "kind": "call",
        "subject": "Call back about the bill",
        "due_at": "2026-11-23 10:00",
        **extra,
    }


def test_a_task_gets_its_reminder_time_and_defaults_to_the_creator(make, ctx) -> None:
    contact = make.contact()
    case = open_case(ctx, {"contact_id": contact.id, "subject": "Bill dispute"})
    saved = create_task(ctx, task_form(contact, reminder_minutes="10", case_id=case.id), now=NOW)
    task = make.get(m.Task, saved.id)
    assert task.due_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert task.remind_at == datetime(2026, 11, 23, 9, 50, tzinfo=UTC)
    assert (task.assigned_agent_id, task.case_id, task.status, saved.number) == (
        ctx.actor.agent_id,
        case.id,
        "open",
        f"T{saved.id}",
    )
    assert make.audit("task", saved.id)[0].action == "Create a Task"


def test_task_input_errors(make, ctx) -> None:
    contact, other = make.contact(), make.contact("Eleni", "Ioannou")
    their_case = open_case(ctx, {"contact_id": other.id, "subject": "Theirs"})
    with pytest.raises(ValidationFailed) as err:
        create_task(
            ctx,
            task_form(
                contact, kind="fax", subject="", due_at="2026-11-23 09:00", reminder_minutes=-5
            ),
            now=NOW,
        )
    assert err.value.errors == {
        "kind": "Kind must be 'call', 'email', 'meeting', 'chat' or 'other'.",
        "subject": "Subject is required.",
        "due_at": "The due time must be in the future.",
        "reminder_minutes": "Reminder (minutes before) must be at least 0.",
    }
    with pytest.raises(ValidationFailed) as err:
        create_task(ctx, task_form(contact, case_id=their_case.id, assigned_agent_id=999), now=NOW)
    assert err.value.errors == {
        "assigned_agent_id": "The chosen agent does not exist or is disabled.",
        "case_id": "That case belongs to another customer.",
    }
    assert make.count(m.Task) == 0


def test_due_reminders_catch_up_and_are_marked_once(make, ctx) -> None:
    contact = make.contact()
    other_agent = make.agent("nikos")
    missed = create_task(
        ctx,
        task_form(contact, subject="Missed", due_at="2026-11-23 09:30", reminder_minutes=60),
        now=NOW,
    )
    due = create_task(
        ctx,
        task_form(contact, subject="Due", due_at="2026-11-23 10:00", reminder_minutes=15),
        now=NOW,
    )
    create_task(ctx, task_form(contact, subject="Later", due_at="2026-11-23 12:00"), now=NOW)
    create_task(
        ctx,
        task_form(
            contact,
            subject="Someone else's",
            assigned_agent_id=other_agent.id,
            due_at="2026-11-23 09:30",
        ),
        now=NOW,
    )
    done = create_task(ctx, task_form(contact, subject="Done", due_at="2026-11-23 09:40"), now=NOW)
    complete_task(ctx, done.id, done.version)
    at = NOW + timedelta(minutes=45)
    reminders = due_reminders(make.engine, ctx.actor.agent_id, at)
    assert [r.subject for r in reminders] == ["Missed", "Due"]
    assert reminders[0].remind_at == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert mark_reminded(ctx, [r.task_id for r in reminders], now=at) == sorted([missed.id, due.id])
    assert mark_reminded(ctx, [missed.id], now=at) == []
    assert due_reminders(make.engine, ctx.actor.agent_id, at) == []
    assert [r.subject for r in due_reminders(make.engine, other_agent.id, at)] == ["Someone else's"]
    assert make.get(m.Task, missed.id).reminded_at == at


def test_cancelled_tasks_do_not_remind(make, ctx) -> None:
    saved = create_task(ctx, task_form(make.contact()), now=NOW)
    cancel_task(ctx, saved.id, saved.version)
    assert due_reminders(make.engine, ctx.actor.agent_id, NOW + timedelta(hours=2)) == []
