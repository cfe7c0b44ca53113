"""Billing & Subscription and Finance actions, each driven from the Action Panel in the console.

Every test opens the panel (F10), filters, fills the form and saves, then checks the customer
view (header, Subscriptions or Financials tab) and the database. Each works on a customer of its
own, made through the services, so the tests do not depend on each other.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from commcentre_tui import models as m
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.finance_queries import catalogue_products
from commcentre_tui.services import accounts, contacts, subscriptions, vouchers
from tests.console_actions.conftest import (
    choices,
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


def customer(demo: Any, first: str) -> tuple[int, int]:
    """A new person with one account: (contact id, account id)."""
    person = contacts.log_person(demo.ctx, {"first_name": first, "last_name": "Finance"})
    account = accounts.create_account(demo.ctx, {"contact_id": person.contact_id})
    return person.contact_id, account.account_id


def recurring(demo: Any, n: int = 2) -> list[int]:
    return [p.id for p in catalogue_products(demo.engine, kind="recurring")][:n]


def subscribed(demo: Any, first: str) -> tuple[int, int, Any]:
    contact_id, account_id = customer(demo, first)
    sub = subscriptions.become_subscriber(
        demo.ctx,
        {
            "account_id": account_id,
            "product_ids": recurring(demo, 1),
            "start_date": date.today().replace(day=1),
        },
    )
    return contact_id, account_id, sub


def get(demo: Any, model: Any, record_id: int) -> Any:
    with reading(demo.engine) as session:
        return session.get(model, record_id)


def count(demo: Any, model: Any, *where: Any) -> int:
    with reading(demo.engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


async def open_console(pilot: Any, contact_id: int) -> None:
    await settle(pilot)
    await load_customer(pilot, contact_id)


async def financials(pilot: Any) -> tuple[list[str], list[str]]:
    tab = await show_tab(pilot, "financials")
    return table_rows(tab.query_one("#fin-accounts")), table_rows(tab.query_one("#fin-tx"))


async def subscription_rows(pilot: Any) -> tuple[list[str], list[str]]:
    tab = await show_tab(pilot, "subscriptions")
    return table_rows(tab.query_one("#subs-table")), table_rows(tab.query_one("#services-table"))


async def test_create_new_account_for_the_loaded_customer(demo: Any) -> None:
    contact_id, _ = customer(demo, "Akis")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Create new Account")
        assert form.values()["owner"]  # pre-filled with the loaded customer's number
        fill(form, name="Holiday home", payment_terms_days="30")
        await save(pilot)
        assert app.screen is app.console_screen
        accounts_rows, _ = await financials(pilot)
        assert any("Holiday home" in r for r in accounts_rows)
    assert count(demo, m.Account, m.Account.contact_id == contact_id) == 2


async def test_become_subscriber_adds_a_subscription_on_screen(demo: Any) -> None:
    contact_id, account_id = customer(demo, "Benny")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Become Subscriber")
        fill(form, account_id=account_id, product1=recurring(demo)[0], product2=recurring(demo)[1])
        await save(pilot)
        assert app.screen is app.console_screen
        subs, services = await subscription_rows(pilot)
        assert len(subs) == 1 and "active" in subs[0]
        assert len(services) == 2
    assert count(demo, m.Subscription, m.Subscription.account_id == account_id) == 1


async def test_add_services_then_remove_one(demo: Any) -> None:
    contact_id, _, sub = subscribed(demo, "Chloe")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Add Services")
        fill(form, subscription_id=sub.subscription_id, product1=recurring(demo)[1])
        await save(pilot)
        assert app.screen is app.console_screen
        _, services = await subscription_rows(pilot)
        assert len(services) == 2

        form = await from_panel(pilot, "Remove Services")
        removed = choices(form, "subscription_service_id")[0]
        today = date.today().isoformat()
        fill(form, subscription_service_id=removed[0], effective_date=today)
        assert form.values()["action_type"] == "Remove Service"
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        _, services = await subscription_rows(pilot)
        assert any(today in r for r in services)  # its end is on screen
    assert get(demo, m.SubscriptionService, int(removed[0])).end_date is not None


async def test_manage_subscription_suspends_and_resumes(demo: Any) -> None:
    contact_id, _, sub = subscribed(demo, "Dora")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Manage Subscription")
        fill(
            form,
            subscription_id=sub.subscription_id,
            operation="suspend",
            reason="Abroad for a month",
        )
        await save(pilot)
        subs, _ = await subscription_rows(pilot)
        assert "suspended" in subs[0]
        assert get(demo, m.Subscription, sub.subscription_id).status == "suspended"
        form = await from_panel(pilot, "Manage Subscription")
        fill(form, subscription_id=sub.subscription_id, operation="resume")
        await save(pilot)
        subs, _ = await subscription_rows(pilot)
        assert "active" in subs[0]
    assert get(demo, m.Subscription, sub.subscription_id).status == "active"


async def test_bill_subscriber_previews_without_writing_then_posts_once(demo: Any) -> None:
    contact_id, account_id, sub = subscribed(demo, "Eftychia")
    bills = count(demo, m.Bill)
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Bill Subscriber")
        fill(form, subscription_id=sub.subscription_id, as_of=date.today().isoformat())
        await pilot.press("f9")
        await settle(pilot)
        preview = str(form.query_one("#preview").render())
        assert sub.number in preview and "Total" in preview
        assert count(demo, m.Bill) == bills  # the preview wrote nothing
        await save(pilot)
        assert app.screen is app.console_screen
        bill = get(demo, m.Account, account_id)
        assert f"owes EUR {bill.balance:,.2f}" in header_text(app)
        _, tx = await financials(pilot)
        assert any("Bill" in r for r in tx)
        form = await from_panel(pilot, "Bill Subscriber")  # the same period again is refused
        fill(form, subscription_id=sub.subscription_id, as_of=date.today().isoformat())
        await save(pilot)
        assert app.screen is form
        assert any(
            "already billed" in n or "billing may resume" in n.lower() for n in notices(app)
        ), notices(app)
    assert count(demo, m.Bill) == bills + 1


async def test_pay_a_bill_in_part_leaves_it_partly_paid_and_moves_the_balance(demo: Any) -> None:
    with reading(demo.engine) as session:
        bill = (
            session.execute(
                select(m.Bill)
                .where(m.Bill.status == "unpaid", m.Bill.amount > 5)
                .order_by(m.Bill.id.desc())
            )
            .scalars()
            .first()
        )
        account = session.get(m.Account, bill.account_id)
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, account.contact_id)
        form = await from_panel(pilot, "Pay a Bill")
        fill(form, bill_id=bill.id, amount="2.50", method="card")
        await save(pilot)
        assert app.screen is app.console_screen
        accounts_rows, _ = await financials(pilot)
        after = get(demo, m.Account, account.id).balance
        assert any(f"{after:,.2f}" in r for r in accounts_rows)
    assert after == account.balance - Decimal("2.50")
    paid = get(demo, m.Bill, bill.id)
    assert paid.status == "partly_paid" and paid.paid_amount == bill.paid_amount + Decimal("2.50")


async def test_post_an_invoice_raises_the_balance(demo: Any) -> None:
    contact_id, account_id = customer(demo, "Fotis")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Post an Invoice")
        fill(form, account_id=account_id, amount="40.00", description="Installation fee")
        await save(pilot)
        assert app.screen is app.console_screen
        assert "owes EUR 40.00" in header_text(app)
        _, tx = await financials(pilot)
        assert any("Installation fee" in r for r in tx)
    assert get(demo, m.Account, account_id).balance == Decimal("40.00")


async def test_post_a_payment_larger_than_the_balance_leaves_a_credit(demo: Any) -> None:
    contact_id, account_id = customer(demo, "Gogo")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Post a Payment", "post a pay")
        fill(form, account_id=account_id, amount="15.00")
        await save(pilot)
        assert "in credit EUR 15.00" in header_text(app)
    assert get(demo, m.Account, account_id).balance == Decimal("-15.00")


async def test_vouchers_purchase_use_into_the_wallet_and_buy_from_the_wallet(demo: Any) -> None:
    contact_id, account_id = customer(demo, "Haris")
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Purchase eVoucher")
        fill(form, account_id=account_id, value="20.00", pay_from="account")
        await save(pilot)
        assert "owes EUR 20.00" in header_text(app)
        with reading(demo.engine) as session:
            voucher = session.execute(
                select(m.Voucher).where(m.Voucher.account_id == account_id)
            ).scalar_one()

        form = await from_panel(pilot, "Use Wallet to Purchase Electronic Voucher", "use wallet")
        fill(form, account_id=account_id, value="5.00")
        await save(pilot)  # the wallet is empty: refused, the form kept
        assert app.screen is form
        assert any("wallet" in n.lower() and "0.00" in n for n in notices(app)), notices(app)
        await pilot.press("escape")
        await settle(pilot)
        if isinstance(app.screen, ConfirmScreen):
            await pilot.press("y")
            await settle(pilot)

        form = await from_panel(pilot, "Use Voucher", "use voucher")
        fill(
            form,
            serial=voucher.serial,
            secret_number=voucher.secret_number,
            account_id=account_id,
            credit_to="wallet",
        )
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        _, tx = await financials(pilot)
        assert any(voucher.serial in r for r in tx)

        form = await from_panel(pilot, "Use Wallet to Purchase Electronic Voucher", "use wallet")
        fill(form, account_id=account_id, value="5.00")
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
    with reading(demo.engine) as session:
        wallet = session.execute(
            select(m.Wallet).where(m.Wallet.account_id == account_id)
        ).scalar_one()
    assert wallet.balance == Decimal("15.00")
    assert get(demo, m.Voucher, voucher.id).state == "used"


async def test_cancel_evoucher_asks_first_then_refunds_the_account(demo: Any) -> None:
    contact_id, account_id = customer(demo, "Ioanna")
    bought = vouchers.purchase_voucher(demo.ctx, {"account_id": account_id, "value": "12.00"})
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_console(pilot, contact_id)
        form = await from_panel(pilot, "Cancel eVoucher")
        fill(form, serial=bought.serial, reason="Bought by mistake")
        await save(pilot, answer="n")
        assert app.screen is form and get(demo, m.Voucher, bought.voucher_id).state == "sold"
        await save(pilot, answer="y")
        assert app.screen is app.console_screen, notices(app)
        assert "settled EUR 0.00" in header_text(app)
    assert get(demo, m.Voucher, bought.voucher_id).state == "cancelled"
    assert get(demo, m.Account, account_id).balance == Decimal("0.00")


async def test_retrieve_voucher_secret_with_no_customer_is_shown_and_audited(demo: Any) -> None:
    _, account_id = customer(demo, "Kostas")
    bought = vouchers.purchase_voucher(demo.ctx, {"account_id": account_id, "value": "9.00"})
    secret = get(demo, m.Voucher, bought.voucher_id).secret_number
    audits = count(demo, m.AuditEntry)
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        form = await from_panel(pilot, "Retrieve Voucher Secret Number", "retrieve")
        fill(form, serial=bought.serial)
        await save(pilot)
        assert secret in str(app.screen.query_one("#secret-number").render())  # the dialog
        assert not any(secret in n for n in notices(app))
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.console_screen
    assert count(demo, m.AuditEntry) == audits + 1
