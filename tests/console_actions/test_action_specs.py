"""Every action form's load and submit against the real services, on demo data, both backends.

These drive the same functions the form modal calls in its workers, with the values an agent
would type, and check the database shows the result.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from commcentre_tui import models as m
from commcentre_tui.actions.crm import custom_key
from commcentre_tui.actions.registry import ALL_ACTIONS, BY_NAME, STATUS_ACTIONS
from commcentre_tui.actions.spec import FormData
from commcentre_tui.errors import RuleViolation, ValidationFailed
from commcentre_tui.repo.db import reading

SPECS = {name: spec for name, spec in BY_NAME.items() if spec.has_form}
SOON = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d 10:00")
LATER = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d 12:00")


def run(demo: Any, name: str, values: dict[str, Any], *, contact_id: int | None = -1, **extra: Any):
    spec = SPECS[name]
    data = FormData(
        contact_id=demo.contact_id if contact_id == -1 else contact_id, extra=dict(extra)
    )
    if spec.load is not None:
        spec.load(demo.ctx, data)
    defaults = {
        f.name: (f.default(data) if callable(f.default) else f.default) or None
        for f in spec.all_fields(demo.settings)
    }
    return spec.save(demo.ctx, data, {**defaults, **values}), data


def first(data: FormData, key: str) -> str:
    assert data.lists[key], f"no {key} to choose from"
    return data.lists[key][0][0]


def count(demo: Any, model: Any, *where: Any) -> int:
    with reading(demo.engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def loaded(demo: Any, name: str) -> FormData:
    spec = SPECS[name]
    data = FormData(contact_id=demo.contact_id)
    assert spec.load is not None
    spec.load(demo.ctx, data)
    return data


def test_every_action_has_a_form_or_is_served_elsewhere() -> None:
    elsewhere = {"Create a Communication", "Follow Up", "Communicate Bill", "Add More Information"}
    assert set(SPECS) | elsewhere == set(ALL_ACTIONS) | set(STATUS_ACTIONS)


def test_log_person_with_phone_email_address(demo: Any) -> None:
    before = count(demo, m.Contact)
    result, _ = run(
        demo,
        "Log Person Information",
        {
            "first_name": "Zoë",
            "last_name": "Ioannidou",
            "phone": "99 765432",
            "email": "zoe@example.com",
            "street": "Makariou 5",
            "city": "Nicosia",
            custom_key("Loyalty tier"): "gold",
        },
        contact_id=None,
    )
    assert count(demo, m.Contact) == before + 1
    with reading(demo.engine) as session:
        phone = session.execute(
            select(m.ContactPhone).where(m.ContactPhone.contact_id == result.contact_id)
        ).scalar_one()
        contact = session.get(m.Contact, result.contact_id)
    assert phone.e164 == "+35799765432"
    assert contact.custom_fields == {"Loyalty tier": "gold"}
    assert "Zoë Ioannidou" in result.message


def test_log_person_errors_land_on_form_fields(demo: Any) -> None:
    spec = SPECS["Log Person Information"]
    with pytest.raises(ValidationFailed) as caught:
        run(
            demo,
            "Log Person Information",
            {"first_name": "A", "last_name": "B", "phone": "12", "email": "not-an-email"},
            contact_id=None,
        )
    fields = {spec.error_keys.get(k, k) for k in caught.value.errors}
    assert {"phone", "email"} <= fields


def test_duplicate_phone_is_flagged_before_saving(demo: Any) -> None:
    with reading(demo.engine) as session:
        existing = session.execute(
            select(m.ContactPhone).where(m.ContactPhone.e164.is_not(None)).limit(1)
        ).scalar_one()
    spec = SPECS["Log Person Information"]
    question = spec.precheck(
        demo.ctx, FormData(None), {"phone": existing.number, "email": None, "phone2": None}
    )
    assert question is not None and question.open_contact_id == existing.contact_id
    assert "Likely duplicate" in question.question


def test_log_company(demo: Any) -> None:
    result, _ = run(
        demo,
        "Log Company Information",
        {"company_name": "Acme Jets Ltd", "registration_number": "HE12345"},
        contact_id=None,
    )
    with reading(demo.engine) as session:
        assert session.get(m.Contact, result.contact_id).kind == "company"


def test_plan_a_job_raise_a_request_take_a_lead_open_a_case(demo: Any) -> None:
    cid = demo.contact_id
    data = loaded(demo, "Plan a Job")
    run(
        demo,
        "Plan a Job",
        {"type": "Technician Visit", "scheduled_at": SOON, "assigned_unit": first(data, "units")},
    )
    run(
        demo, "Raise a Service Request", {"type": "No signal", "description": "Box shows no signal"}
    )
    run(demo, "Take a Lead", {"interest": "Faster broadband", "potential_value": "29.99"})
    run(demo, "Open a Case", {"subject": "Picture quality", "description": "Pixelation"})
    assert count(demo, m.Job, m.Job.contact_id == cid, m.Job.type == "Technician Visit") == 1
    assert (
        count(
            demo,
            m.ServiceRequest,
            m.ServiceRequest.contact_id == cid,
            m.ServiceRequest.type == "No signal",
        )
        == 1
    )
    with reading(demo.engine) as session:
        lead = session.execute(
            select(m.Lead).where(m.Lead.contact_id == cid, m.Lead.interest == "Faster broadband")
        ).scalar_one()
    assert lead.potential_value == Decimal("29.99")
    assert count(demo, m.Case, m.Case.contact_id == cid, m.Case.subject == "Picture quality") == 1


def test_job_in_the_past_is_refused_beside_the_date(demo: Any) -> None:
    data = loaded(demo, "Plan a Job")
    with pytest.raises(ValidationFailed) as caught:
        run(
            demo,
            "Plan a Job",
            {
                "type": "Repair",
                "scheduled_at": "2020-01-01 10:00",
                "assigned_unit": first(data, "units"),
            },
        )
    assert "scheduled_at" in caught.value.errors


def test_schedule_an_activity_with_services_and_dates(demo: Any) -> None:
    data = loaded(demo, "Schedule an Activity")
    result, _ = run(
        demo,
        "Schedule an Activity",
        {
            "type": "Installation",
            "service1": first(data, "one_time"),
            "start_at": SOON,
            "expected_completion_at": LATER,
            "assigned_unit": first(data, "units"),
        },
    )
    with reading(demo.engine) as session:
        activity = session.execute(
            select(m.Activity)
            .where(m.Activity.contact_id == demo.contact_id, m.Activity.type == "Installation")
            .order_by(m.Activity.id.desc())
            .limit(1)
        ).scalar_one()
        services = session.execute(
            select(m.ActivityService).where(m.ActivityService.activity_id == activity.id)
        ).all()
    assert len(services) == 1 and "scheduled" in result.message


def test_activity_completion_before_start_is_refused(demo: Any) -> None:
    data = loaded(demo, "Schedule an Activity")
    with pytest.raises(ValidationFailed) as caught:
        run(
            demo,
            "Schedule an Activity",
            {
                "type": "Installation",
                "start_at": LATER,
                "expected_completion_at": SOON,
                "assigned_unit": first(data, "units"),
            },
        )
    assert "expected_completion_at" in caught.value.errors


def test_follow_up_on_a_case_and_a_task(demo: Any) -> None:
    run(demo, "Open a Case", {"subject": "Follow me"})
    data = loaded(demo, "Add a Follow-up")
    case_id = next(v for v, label in data.lists["cases"] if "Follow me" in label)
    run(demo, "Add a Follow-up", {"case_id": case_id, "note": "Called back, all good"})
    assert count(demo, m.FollowUp, m.FollowUp.case_id == int(case_id)) == 1
    run(demo, "Create a Task", {"subject": "Call back", "due_at": SOON, "reminder_minutes": "30"})
    with reading(demo.engine) as session:
        task = session.execute(select(m.Task).where(m.Task.subject == "Call back")).scalar_one()
    assert task.assigned_agent_id == demo.ctx.actor.agent_id
    assert task.remind_at == task.due_at - timedelta(minutes=30)


def test_create_account_for_the_loaded_customer_and_by_customer_number(demo: Any) -> None:
    before = count(demo, m.Account, m.Account.contact_id == demo.contact_id)
    with reading(demo.engine) as session:
        number = session.get(m.Contact, demo.contact_id).customer_number
    run(demo, "Create new Account", {"owner": number.lower(), "currency": "EUR"})
    assert count(demo, m.Account, m.Account.contact_id == demo.contact_id) == before + 1
    with pytest.raises(ValidationFailed) as caught:
        run(demo, "Create new Account", {"owner": "C9999999"}, contact_id=None)
    assert caught.value.field == "owner"


def test_become_subscriber_add_and_remove_services_suspend(demo: Any) -> None:
    data = loaded(demo, "Become Subscriber")
    before = count(demo, m.Subscription)
    run(
        demo,
        "Become Subscriber",
        {"account_id": first(data, "accounts"), "product1": first(data, "products")},
    )
    assert count(demo, m.Subscription) == before + 1
    subs = loaded(demo, "Add Services")
    sub_id = subs.lists["subscriptions"][0][0]
    products = [v for v, _ in subs.lists["products"]]
    run(demo, "Add Services", {"subscription_id": sub_id, "product1": products[-1]})
    services = loaded(demo, "Remove Services")
    removed = services.lists["services"][0][0]
    run(demo, "Remove Services", {"subscription_service_id": removed})
    with reading(demo.engine) as session:
        assert (
            session.get(m.SubscriptionService, int(removed)).status != "active"
            or session.get(m.SubscriptionService, int(removed)).end_date is not None
        )


def test_bill_preview_writes_nothing_and_submit_bills_once(demo: Any) -> None:
    data = loaded(demo, "Bill Subscriber")
    sub_id = data.lists["subscriptions"][0][0]
    spec = SPECS["Bill Subscriber"]
    bills = count(demo, m.Bill)
    text = spec.preview(demo.ctx, data, {"subscription_id": sub_id, "as_of": None})
    assert "Total" in text and count(demo, m.Bill) == bills
    try:
        run(demo, "Bill Subscriber", {"subscription_id": sub_id})
        billed_now = 1
    except RuleViolation:  # the demo data may have billed this period already
        billed_now = 0
    assert count(demo, m.Bill) == bills + billed_now
    with pytest.raises(RuleViolation):
        run(demo, "Bill Subscriber", {"subscription_id": sub_id})


def test_pay_a_bill_partly_moves_balance_and_status(demo: Any) -> None:
    data = loaded(demo, "Pay a Bill")
    bill_id = int(first(data, "bills"))
    with reading(demo.engine) as session:
        bill = session.get(m.Bill, bill_id)
        account = session.get(m.Account, bill.account_id)
    result, _ = run(demo, "Pay a Bill", {"bill_id": str(bill_id), "amount": "0.01"})
    with reading(demo.engine) as session:
        after_bill = session.get(m.Bill, bill_id)
        after_account = session.get(m.Account, bill.account_id)
    assert after_bill.paid_amount == bill.paid_amount + Decimal("0.01")
    assert after_bill.status == "partly_paid"
    assert after_account.balance == account.balance - Decimal("0.01")
    assert result.message


def test_invoice_payment_and_vouchers(demo: Any) -> None:
    data = loaded(demo, "Post an Invoice")
    account_id = int(first(data, "accounts"))
    run(
        demo,
        "Post an Invoice",
        {"account_id": str(account_id), "amount": "10.00", "description": "Late fee"},
    )
    run(demo, "Post a Payment", {"account_id": str(account_id), "amount": "10.00"})
    run(demo, "Purchase eVoucher", {"account_id": str(account_id), "value": "20.00"})
    with reading(demo.engine) as session:
        voucher = session.execute(
            select(m.Voucher)
            .where(m.Voucher.account_id == account_id)
            .order_by(m.Voucher.id.desc())
            .limit(1)
        ).scalar_one()
    secret, _ = run(
        demo, "Retrieve Voucher Secret Number", {"serial": voucher.serial}, contact_id=None
    )
    assert secret.secret == voucher.secret_number  # shown in a dialog, not in the message
    assert voucher.secret_number not in secret.message
    run(
        demo,
        "Use Voucher",
        {
            "serial": voucher.serial,
            "secret_number": voucher.secret_number,
            "account_id": str(account_id),
        },
    )
    with pytest.raises(RuleViolation):
        run(
            demo,
            "Use Voucher",
            {
                "serial": voucher.serial,
                "secret_number": voucher.secret_number,
                "account_id": str(account_id),
            },
        )
    with pytest.raises(RuleViolation):
        run(demo, "Cancel eVoucher", {"serial": voucher.serial})


def test_wallet_purchase_refused_when_short(demo: Any) -> None:
    data = loaded(demo, "Use Wallet to Purchase Electronic Voucher")
    with pytest.raises(RuleViolation, match="[Ww]allet"):
        run(
            demo,
            "Use Wallet to Purchase Electronic Voucher",
            {"account_id": first(data, "accounts"), "value": "99999.00"},
        )
