"""What the agent stores, the agent can see and change (issue 16 item 4), from the customer view.

Each test is one console session driven by keys: the Dashboard shows the preferences and custom
fields and Ctrl+O edits them; Add Services and Manage Subscription choose nothing paid for the
agent; Pay a Bill with nothing owed says so; a voucher secret stays in a dialog; a task
reminder names its customer and Ctrl+G opens it. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from textual.widgets import Input, Select

from commcentre_tui import models as m
from commcentre_tui.config import load_settings
from commcentre_tui.dialogs.secret import SecretDialog
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.finance_queries import catalogue_products
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.contact_info import ContactInfoScreen
from commcentre_tui.services import accounts, contacts, subscriptions, tasks, vouchers
from tests.conftest import TEST_CONFIG
from tests.console_actions.conftest import (
    choices,
    field_error,
    fill,
    from_panel,
    load_customer,
    make_app,
    notices,
    save,
    settle,
    show_tab,
)
from tests.console_support import console_app

CUSTOM_FIELDS = [
    {"name": "Loyalty tier", "type": "text"},
    {"name": "Birthday", "type": "date"},
    {"name": "VIP", "type": "bool"},
]


def person(demo: Any, first: str, *, account: bool = True) -> tuple[int, int | None]:
    """A new person (and an account): (contact id, account id)."""
    made = contacts.log_person(demo.ctx, {"first_name": first, "last_name": "Items"})
    if not account:
        return made.contact_id, None
    return made.contact_id, accounts.create_account(
        demo.ctx, {"contact_id": made.contact_id}
    ).account_id


def count(demo: Any, model: Any, *where: Any) -> int:
    with reading(demo.engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def get(demo: Any, model: Any, record_id: int) -> Any:
    with reading(demo.engine) as session:
        return session.get(model, record_id)


def text_of(widget: Any) -> str:
    return str(widget.render()).strip()


async def wait_for(pilot: Any, ready: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Settle until ``ready()`` holds (a safety net for a busy machine, never a measurement)."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await settle(pilot)


async def type_into(pilot: Any, widget: Input, text: str) -> None:
    """Clear ``widget`` and type ``text`` key by key."""
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def test_preferences_and_custom_fields_are_shown_edited_by_type_and_audited(
    demo: Any,
) -> None:
    contact_id, _ = person(demo, "Irini")
    settings = load_settings(TEST_CONFIG, contacts={"custom_fields": CUSTOM_FIELDS})
    app = console_app(demo.engine, settings, "admin", actor=demo.ctx.actor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, contact_id)
        dashboard = await show_tab(pilot, "dashboard")
        profile = dashboard.query_one("#dash-profile")
        await wait_for(pilot, lambda: "Language" in text_of(profile), "the dashboard")
        assert "Language en · Opted in: email, SMS, phone, letter" in text_of(profile)
        assert "Loyalty tier: — · Birthday: — · VIP: —" in text_of(profile)

        await pilot.press("ctrl+o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactInfoScreen)
        await wait_for(pilot, lambda: screen.info is not None, "the contact information")
        sms = screen.query_one("#optin-sms")
        assert text_of(sms) == "▐✓▌ SMS"
        sms.focus()
        await pilot.press("space")  # untick: the customer opted out of SMS
        assert text_of(sms) == "▐ ▌ SMS"
        await type_into(pilot, screen.query_one("#pref-language", Input), "greek!")
        await type_into(pilot, screen.query_one("#custom-1", Input), "31/12/1990")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # not saved: each problem beside its field
        assert "language must be a code" in text_of(screen.query_one("#pref-error-language"))
        assert "Birthday must be a date such as" in text_of(screen.query_one("#custom-error-1"))
        assert get(demo, m.Contact, contact_id).sms_opt_out is False

        await type_into(pilot, screen.query_one("#pref-language", Input), "el")
        await type_into(pilot, screen.query_one("#custom-1", Input), "1990-12-31")
        await type_into(pilot, screen.query_one("#custom-0", Input), "Gold")
        screen.query_one("#custom-2", Select).value = "yes"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen, notices(app)
        await wait_for(pilot, lambda: "Language el" in text_of(profile), "the refreshed dashboard")
        assert "Opted in: email, phone, letter · opted out: SMS" in text_of(profile)
        assert "Loyalty tier: Gold · Birthday: 1990-12-31 · VIP: yes" in text_of(profile)
    saved = get(demo, m.Contact, contact_id)
    assert (saved.preferred_language, saved.sms_opt_out, saved.email_opt_out) == ("el", True, False)
    assert saved.custom_fields == {"Loyalty tier": "Gold", "Birthday": "1990-12-31", "VIP": True}
    with reading(demo.engine) as session:
        entry = (
            session.execute(
                select(m.AuditEntry).where(
                    m.AuditEntry.entity == "contact",
                    m.AuditEntry.entity_id == contact_id,
                    m.AuditEntry.action == "Add More Information",
                )
            )
            .scalars()
            .one()
        )
    assert entry.before["opted_out"] == [] and entry.after["opted_out"] == ["sms"]
    assert entry.before["preferred_language"] == "en" and entry.after["preferred_language"] == "el"
    assert entry.after["custom_fields"]["Birthday"] == "1990-12-31"


async def test_add_services_chooses_nothing_paid_and_manage_subscription_lists_its_operations(
    demo: Any,
) -> None:
    contact_id, account_id = person(demo, "Stelios")
    products = [p.id for p in catalogue_products(demo.engine, kind="recurring")]
    sub = subscriptions.become_subscriber(
        demo.ctx,
        {
            "account_id": account_id,
            "product_ids": products[:1],
            "start_date": date.today().replace(day=1),
        },
    )
    services = m.SubscriptionService.subscription_id == sub.subscription_id
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, contact_id)
        # From the Dashboard: no subscription highlighted, so none is chosen; nor is a service.
        form = await from_panel(pilot, "Add Services")
        assert form.values()["subscription_id"] is None and form.values()["product1"] is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # a bare Ctrl+S adds nothing
        assert "Choose the subscription" in field_error(form, "subscription_id")
        assert "Choose the service to add." in field_error(form, "product1")
        assert count(demo, m.SubscriptionService, services) == 1
        await pilot.press("escape")
        await settle(pilot)

        # From the Subscriptions tab the highlighted subscription is chosen; the service is not.
        await show_tab(pilot, "subscriptions")
        form = await from_panel(pilot, "Add Services")
        assert form.values()["subscription_id"] == str(sub.subscription_id)
        assert form.values()["product1"] is None
        fill(form, product1=products[1])
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        assert count(demo, m.SubscriptionService, services) == 2

        # Manage Subscription says what it can do and does it, choosing nothing for the agent.
        form = await from_panel(pilot, "Manage Subscription")
        described = text_of(form.query_one("#description"))
        assert "suspend or resume the subscription, add a service or remove one" in described
        assert [v for v, _ in choices(form, "operation")] == ["suspend", "resume", "add", "remove"]
        assert form.values()["operation"] is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose what to do" in field_error(form, "operation")
        removed = choices(form, "remove_service")[0][0]
        fill(form, subscription_id=sub.subscription_id, operation="remove", remove_service=removed)
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
    assert get(demo, m.SubscriptionService, int(removed)).status == "removed"
    assert get(demo, m.Subscription, sub.subscription_id).status == "active"


async def test_pay_a_bill_with_nothing_owed_says_so(demo: Any) -> None:
    contact_id, account_id = person(demo, "Nikos")
    number = get(demo, m.Account, account_id).number
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, contact_id)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press(*"pay a bill", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, ActionFormScreen)
        assert f"Nothing to pay: no unpaid bills on {number}." in notices(app)


async def test_a_voucher_secret_stays_in_a_dialog_until_dismissed_and_is_audited(demo: Any) -> None:
    _, account_id = person(demo, "Kyriakos")
    bought = vouchers.purchase_voucher(demo.ctx, {"account_id": account_id, "value": "7.00"})
    secret = get(demo, m.Voucher, bought.voucher_id).secret_number
    audits = count(demo, m.AuditEntry, m.AuditEntry.action == "Retrieve Voucher Secret Number")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        form = await from_panel(pilot, "Retrieve Voucher Secret Number", "retrieve")
        fill(form, serial=bought.serial)
        await save(pilot)
        dialog = app.screen
        assert isinstance(dialog, SecretDialog)
        assert f"Secret number: {secret}" in text_of(dialog.query_one("#secret-number"))
        assert not any(secret in n for n in notices(app))  # never in a fading notification
        app.clear_notifications()
        await settle(pilot)
        assert app.screen is dialog  # still there: only the agent closes it
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.console_screen
    after = count(demo, m.AuditEntry, m.AuditEntry.action == "Retrieve Voucher Secret Number")
    assert after == audits + 1


async def test_a_task_reminder_names_the_customer_and_ctrl_g_opens_it(demo: Any) -> None:
    contact_id, _ = person(demo, "Theodora", account=False)
    contact = get(demo, m.Contact, contact_id)
    due = datetime.now(UTC) + timedelta(minutes=5)
    tasks.create_task(
        demo.ctx,
        {
            "contact_id": contact_id,
            "kind": "call",
            "subject": "Ring back",
            "due_at": due,
            "reminder_minutes": 30,
        },
    )
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("Ring back" in n for n in notices(app)), "the reminder")
        [reminder] = [n for n in notices(app) if "Ring back" in n]
        assert f"Theodora Items ({contact.customer_number})" in reminder
        assert "Ctrl+G: open the customer" in reminder
        assert app.customer_id is None
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert app.customer_id == contact_id
