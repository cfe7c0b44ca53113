"""Plan a Job and Raise a Service Request: validation, ownership, life cycles, stale edits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from care_factories import soon

from commcentre_tui import models as m
from commcentre_tui.errors import Conflict, NotAllowed, NotFound, RuleViolation, ValidationFailed
from commcentre_tui.services.jobs import plan_job, set_job_status
from commcentre_tui.services.service_requests import (
    raise_service_request,
    set_service_request_status,
)


def job_form(contact, **extra):
    return {
        "contact_id": contact.id,
        "type": "Technician visit",
        "description": "No signal",
        "scheduled_at": soon(days=2).isoformat(),
        "assigned_unit": "Care",
        **extra,
    }


def test_plan_a_job_for_today_or_later(make, ctx) -> None:
    contact = make.contact()
    agent = make.agent("nikos", unit="Field")
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    saved = plan_job(
        ctx,
        job_form(
            contact,
            scheduled_at="2026-11-23 09:00",
            assigned_unit="Field",
            assigned_agent_id=str(agent.id),
        ),
        now=now,
    )
    assert (saved.entity, saved.number, saved.status, saved.version) == (
        "job",
        "J0000001",
        "open",
        1,
    )
    job = make.get(m.Job, saved.id)
    assert job.scheduled_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert (job.assigned_unit, job.assigned_agent_id, job.created_by_id) == (
        "Field",
        agent.id,
        ctx.actor.agent_id,
    )
    [entry] = make.audit("job", saved.id)
    assert entry.action == "Plan a Job" and entry.after["number"] == "J0000001"


def test_job_input_errors_are_sentences_at_their_fields(make, ctx) -> None:
    contact = make.contact()
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as err:
        plan_job(
            ctx,
            job_form(
                contact,
                type="",
                scheduled_at="2026-11-22 23:59",
                assigned_unit="",
                description="d" * 4001,
            ),
            now=now,
        )
    assert err.value.errors == {
        "type": "Type is required.",
        "description": "Description must be at most 4000 characters (it has 4001).",
        "scheduled_at": "The scheduled date must not be in the past.",
        "assigned_agent_id": "Assign the job to a unit, an agent or both.",
    }
    with pytest.raises(ValidationFailed) as err:
        plan_job(ctx, job_form(contact, scheduled_at="next tuesday"))
    assert err.value.errors == {
        "scheduled_at": "Scheduled date must be a date and time such as 2026-12-01 14:30."
    }
    assert make.count(m.Job) == 0


def test_job_assignment_and_account_must_exist_and_belong_to_the_customer(make, ctx) -> None:
    contact, other = make.contact(), make.contact("Eleni", "Ioannou")
    retired = make.agent("old", active=False)
    account = make.account(other)
    with pytest.raises(ValidationFailed) as err:
        plan_job(
            ctx,
            job_form(
                contact,
                assigned_unit="Nowhere",
                assigned_agent_id=retired.id,
                account_id=account.id,
            ),
        )
    assert err.value.errors == {
        "account_id": "That account belongs to another customer.",
        "assigned_unit": "There is no unit called “Nowhere” (known units: Care).",
        "assigned_agent_id": "The chosen agent does not exist or is disabled.",
    }
    assert make.count(m.Job) == 0 and make.count(m.AuditEntry) == 0
    saved = plan_job(ctx, job_form(other, account_id=account.id))
    assert make.get(m.Job, saved.id).account_id == account.id


def test_job_status_changes_follow_the_rules_and_stale_edits_conflict(make, ctx) -> None:
    saved = plan_job(ctx, job_form(make.contact()))
    started = set_job_status(ctx, saved.id, saved.version, "in_progress")
    assert (started.status, started.version) == ("in_progress", 2)
    with pytest.raises(Conflict, match="Another agent changed this job"):
        set_job_status(ctx, saved.id, saved.version, "completed")
    done = set_job_status(ctx, saved.id, started.version, "completed")
    job = make.get(m.Job, saved.id)
    assert job.status == "completed" and job.completed_at is not None and done.version == 3
    with pytest.raises(RuleViolation, match="A job that is completed cannot become in progress"):
        set_job_status(ctx, saved.id, done.version, "in_progress")
    with pytest.raises(RuleViolation, match="is not a status of a job"):
        set_job_status(ctx, saved.id, done.version, "paused")
    before_after = make.audit("job", saved.id)[-1]
    assert (
        before_after.before["status"] == "in_progress"
        and before_after.after["status"] == "completed"
    )


def sr_form(contact, **extra):
    return {
        "contact_id": contact.id,
        "type": "Fault",
        "priority": "high",
        "severity": "major",
        "description": "Intermittent picture loss",
        **extra,
    }


def test_raise_a_service_request_about_a_subscription_of_the_same_customer(make, ctx) -> None:
    contact = make.contact()
    account = make.account(contact)
    sub = make.subscription(account)
    saved = raise_service_request(
        ctx, sr_form(contact, subscription_id=sub.id, account_id=account.id)
    )
    sr = make.get(m.ServiceRequest, saved.id)
    assert (sr.number, sr.status, sr.priority, sr.severity) == (
        "SR0000001",
        "open",
        "high",
        "major",
    )
    assert (sr.subscription_id, sr.account_id) == (sub.id, account.id)
    assert make.audit("service_request", saved.id)[0].action == "Raise a Service Request"


def test_service_request_refuses_records_of_other_customers(make, ctx) -> None:
    contact, other = make.contact(), make.contact("Eleni", "Ioannou")
    mine, theirs = make.account(contact), make.account(other)
    their_sub = make.subscription(theirs)
    with pytest.raises(ValidationFailed) as err:
        raise_service_request(ctx, sr_form(contact, subscription_id=their_sub.id, account_id=9999))
    assert err.value.errors == {
        "subscription_id": "That subscription belongs to another customer.",
        "account_id": "That account does not exist.",
    }
    second = make.account(contact)
    sub = make.subscription(second)
    with pytest.raises(ValidationFailed) as err:
        raise_service_request(ctx, sr_form(contact, subscription_id=sub.id, account_id=mine.id))
    assert err.value.errors == {
        "subscription_id": "That subscription is on a different account than the one chosen."
    }
    with pytest.raises(ValidationFailed) as err:
        raise_service_request(ctx, sr_form(contact, priority="asap", severity="", description=""))
    assert err.value.errors["priority"] == "Priority must be 'low', 'normal', 'high' or 'urgent'."
    assert err.value.errors["description"] == "Description is required."
    assert make.count(m.ServiceRequest) == 0


def test_service_request_life_cycle(make, ctx) -> None:
    saved = raise_service_request(ctx, sr_form(make.contact()))
    with pytest.raises(RuleViolation) as err:
        set_service_request_status(ctx, saved.id, saved.version, "closed")
    assert (
        str(err.value)
        == "A service request that is open cannot become closed; it can go to in progress."
    )
    step = set_service_request_status(ctx, saved.id, saved.version, "in_progress")
    step = set_service_request_status(ctx, saved.id, step.version, "resolved")
    assert make.get(m.ServiceRequest, saved.id).resolved_at is not None
    reopened = set_service_request_status(ctx, saved.id, step.version, "in_progress")
    assert make.get(m.ServiceRequest, saved.id).resolved_at is None
    step = set_service_request_status(ctx, saved.id, reopened.version, "resolved")
    closed = set_service_request_status(ctx, saved.id, step.version, "closed")
    assert (closed.status, closed.version) == ("closed", 6)
    with pytest.raises(RuleViolation, match="closed cannot become in progress"):
        set_service_request_status(ctx, saved.id, closed.version, "in_progress")


def test_naive_and_offset_times_are_stored_as_utc(make, ctx) -> None:
    contact = make.contact()
    when = (soon(days=3) + timedelta(hours=1)).replace(microsecond=0)
    cyprus = when.astimezone(timezone(timedelta(hours=2)))
    a = plan_job(ctx, job_form(contact, scheduled_at=cyprus.isoformat()))
    b = plan_job(ctx, job_form(contact, scheduled_at=when.replace(tzinfo=None).isoformat()))
    assert make.get(m.Job, a.id).scheduled_at == when == make.get(m.Job, b.id).scheduled_at


def test_a_role_with_view_access_to_jobs_may_not_plan_one(make, ctx) -> None:
    contact = make.contact()
    finance = make.actor(make.agent("fiona", role="finance"))
    with pytest.raises(NotAllowed, match="may not run “Plan a Job”"):
        plan_job(make.ctx(finance), job_form(contact))
    saved = plan_job(ctx, job_form(contact))
    with pytest.raises(NotAllowed, match="has view access to job records"):
        set_job_status(make.ctx(finance), saved.id, saved.version, "in_progress")
    assert make.get(m.Job, saved.id).status == "open" and make.count(m.Job) == 1


def test_a_customer_deleted_meanwhile_is_not_found(make, ctx) -> None:
    with pytest.raises(NotFound, match="That customer no longer exists"):
        plan_job(
            ctx,
            {
                "contact_id": 9999,
                "type": "Visit",
                "scheduled_at": soon(days=1),
                "assigned_unit": "Care",
            },
        )
    with pytest.raises(ValidationFailed) as err:
        plan_job(
            ctx,
            {
                "type": "Visit",
                "scheduled_at": soon(days=1),
                "assigned_unit": "Care",
                "colour": "red",
            },
        )
    assert err.value.errors == {
        "contact_id": "Contact is required.",
        "colour": "Colour is not a field of this form.",
    }
