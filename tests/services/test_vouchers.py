"""eVouchers and wallets: purchase (account or wallet), use, cancel, retrieve the secret."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.errors import NotAllowed, RuleViolation, ValidationFailed
from commcentre_tui.repo import finance_queries as q
from commcentre_tui.repo import voucher_reward_queries as vrq
from commcentre_tui.repo.db import reading
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.payments import post_invoice
from commcentre_tui.services.voucher_secret import retrieve_voucher_secret
from commcentre_tui.services.vouchers import (
    cancel_voucher,
    purchase_voucher,
    use_voucher,
    wallet_purchase_voucher,
)

from . import factories as f

D = Decimal


def _secret(engine: Engine, serial: str) -> str:
    with reading(engine) as s:
        return s.execute(
            f.select(f.m.Voucher.secret_number).where(f.m.Voucher.serial == serial)
        ).scalar_one()


def _top_up(ctx: ServiceContext, engine: Engine, account_id: int, value: str) -> None:
    """Put ``value`` in the account's wallet by buying a voucher on account and using it."""
    v = purchase_voucher(ctx, {"account_id": account_id, "value": value})
    use_voucher(
        ctx,
        {
            "serial": v.serial,
            "secret_number": _secret(engine, v.serial),
            "account_id": account_id,
            "credit_to": "wallet",
        },
    )


def test_purchase_on_account_posts_an_invoice_and_hides_the_secret(
    ctx: ServiceContext, engine: Engine
) -> None:
    acc = f.account(engine)
    result = purchase_voucher(ctx, {"account_id": acc.id, "value": "25.00"})
    assert (result.serial, result.state, result.account_balance, result.wallet_balance) == (
        "V000000001",
        "sold",
        D("25.00"),
        None,
    )
    assert (
        result.message == f"eVoucher V000000001 of 25.00 EUR sold, charged to account {acc.number}."
    )
    assert not hasattr(result, "secret_number")
    [row] = q.account_ledger(engine, acc.id)
    assert (row.kind, row.description, row.amount) == ("invoice", "eVoucher V000000001", D("25.00"))
    view = vrq.voucher_by_serial(engine, "V000000001")
    assert view is not None and (view.paid_from, view.account_id) == ("account", acc.id)
    secret = _secret(engine, "V000000001")
    assert len(secret) == 16 and secret.isdigit()
    [entry] = f.audit_entries(engine, "Purchase eVoucher")
    assert "secret_number" not in entry.after and secret not in str(entry.after)
    assert (entry.before["state"], entry.after["state"]) == ("available", "sold")
    f.assert_books(engine, acc.id)


def test_purchase_a_stock_voucher_by_serial(ctx: ServiceContext, engine: Engine) -> None:
    acc = f.account(engine)
    stock = f.stock_voucher(engine, "15.00")
    with pytest.raises(
        ValidationFailed, match=f"Voucher {stock.serial} is worth 15.00, not 10.00."
    ):
        purchase_voucher(ctx, {"account_id": acc.id, "serial": stock.serial, "value": "10.00"})
    result = purchase_voucher(ctx, {"account_id": acc.id, "serial": stock.serial})
    assert (result.serial, result.value, result.account_balance) == (
        stock.serial,
        D("15.00"),
        D("15.00"),
    )
    with pytest.raises(RuleViolation, match="is sold; only available vouchers can be sold"):
        purchase_voucher(ctx, {"account_id": acc.id, "serial": stock.serial})
    with pytest.raises(ValidationFailed) as err:
        purchase_voucher(ctx, {"account_id": acc.id})
    assert (err.value.field, str(err.value)) == (
        "value",
        "Enter the voucher value, or the serial of a voucher in stock.",
    )


def test_a_short_wallet_is_refused_with_its_balance(ctx: ServiceContext, engine: Engine) -> None:
    acc = f.account(engine)
    _top_up(ctx, engine, acc.id, "8.00")
    before = f.row_counts(engine)
    with pytest.raises(RuleViolation) as err:
        wallet_purchase_voucher(ctx, {"account_id": acc.id, "value": "10.00"})
    assert str(err.value) == (
        f"The wallet of account {acc.number} holds 8.00 EUR, less than the "
        "10.00 EUR needed; top it up or pay from the account."
    )
    assert f.row_counts(engine) == before
    no_wallet = f.account(engine, wallet=False)
    with pytest.raises(RuleViolation, match="holds 0.00 EUR, less than the 1.00 EUR needed"):
        wallet_purchase_voucher(ctx, {"account_id": no_wallet.id, "value": "1.00"})


def test_wallet_purchase_debits_the_wallet_only(ctx: ServiceContext, engine: Engine) -> None:
    acc = f.account(engine)
    _top_up(ctx, engine, acc.id, "30.00")
    balance = f.balance(engine, acc.id)
    result = wallet_purchase_voucher(ctx, {"account_id": acc.id, "value": "12.50"})
    assert (result.wallet_balance, result.account_balance) == (D("17.50"), None)
    assert "paid from the wallet, which now holds 17.50 EUR" in result.message
    assert f.balance(engine, acc.id) == balance
    wallet = q.wallet_of_account(engine, acc.id)
    assert wallet is not None
    assert [(t.kind, t.amount) for t in q.wallet_transactions(engine, wallet.id)] == [
        ("voucher_purchase", D("-12.50")),
        ("voucher_use", D("30.00")),
    ]
    assert (
        f.audit_entries(engine, "Use Wallet to Purchase Electronic Voucher")[0].after["paid_from"]
        == "wallet"
    )
    f.assert_books(engine, acc.id)


def test_use_voucher_credits_once(ctx: ServiceContext, engine: Engine) -> None:
    buyer, friend = f.account(engine), f.account(engine, wallet=False)
    v = purchase_voucher(ctx, {"account_id": buyer.id, "value": "20.00"})
    secret = _secret(engine, v.serial)
    with pytest.raises(ValidationFailed) as err:
        use_voucher(ctx, {"serial": v.serial, "secret_number": "0000", "account_id": friend.id})
    assert (err.value.field, str(err.value)) == (
        "secret_number",
        f"The secret number does not match voucher {v.serial}.",
    )
    used = use_voucher(ctx, {"serial": v.serial, "secret_number": secret, "account_id": friend.id})
    assert (used.state, used.wallet_balance) == ("used", D("20.00"))
    assert q.wallet_of_account(engine, friend.id) is not None  # opened on first credit
    with pytest.raises(RuleViolation, match=f"Voucher {v.serial} was already used on "):
        use_voucher(
            ctx,
            {
                "serial": v.serial,
                "secret_number": secret,
                "account_id": friend.id,
                "credit_to": "account",
            },
        )
    with pytest.raises(ValidationFailed, match="There is no voucher with serial NOPE."):
        use_voucher(ctx, {"serial": "NOPE", "secret_number": "1", "account_id": friend.id})
    f.assert_books(engine, buyer.id)
    f.assert_books(engine, friend.id)


def test_use_voucher_on_the_account_posts_a_credit(ctx: ServiceContext, engine: Engine) -> None:
    acc = f.account(engine)
    v = purchase_voucher(ctx, {"account_id": acc.id, "value": "20.00"})
    used = use_voucher(
        ctx,
        {
            "serial": v.serial,
            "secret_number": _secret(engine, v.serial),
            "account_id": acc.id,
            "credit_to": "account",
        },
    )
    assert used.account_balance == D("0.00")
    assert {r.kind for r in q.account_ledger(engine, acc.id)} == {"invoice", "credit"}
    f.assert_books(engine, acc.id)


def test_unsold_and_cancelled_vouchers_cannot_be_used(ctx: ServiceContext, engine: Engine) -> None:
    acc = f.account(engine)
    stock = f.stock_voucher(engine, secret="42")
    with pytest.raises(RuleViolation, match="has not been sold yet"):
        use_voucher(ctx, {"serial": stock.serial, "secret_number": "42", "account_id": acc.id})
    result = cancel_voucher(ctx, {"serial": stock.serial})
    assert (
        result.message
        == f"eVoucher {stock.serial} cancelled; it had not been sold, so nothing is refunded."
    )
    with pytest.raises(RuleViolation, match="was cancelled, so it cannot be used"):
        use_voucher(ctx, {"serial": stock.serial, "secret_number": "42", "account_id": acc.id})


def test_cancel_refunds_where_it_was_paid_from(ctx: ServiceContext, engine: Engine) -> None:
    acc = f.account(engine)
    _top_up(ctx, engine, acc.id, "10.00")
    on_account = purchase_voucher(ctx, {"account_id": acc.id, "value": "25.00"})
    by_wallet = wallet_purchase_voucher(ctx, {"account_id": acc.id, "value": "10.00"})
    assert (f.balance(engine, acc.id), f.wallet_balance(engine, acc.id)) == (D("35.00"), D("0.00"))

    c1 = cancel_voucher(ctx, {"serial": on_account.serial, "reason": "Changed mind"})
    assert (c1.state, c1.account_balance) == ("cancelled", D("10.00"))
    assert c1.message.endswith(f"25.00 EUR credited to account {acc.number}.")
    c2 = cancel_voucher(ctx, {"serial": by_wallet.serial})
    assert (c2.wallet_balance, f.balance(engine, acc.id)) == (D("10.00"), D("10.00"))
    with pytest.raises(RuleViolation, match="is already cancelled"):
        cancel_voucher(ctx, {"serial": by_wallet.serial})
    used = purchase_voucher(ctx, {"account_id": acc.id, "value": "5.00"})
    use_voucher(
        ctx,
        {
            "serial": used.serial,
            "secret_number": _secret(engine, used.serial),
            "account_id": acc.id,
        },
    )
    with pytest.raises(RuleViolation, match="was already used, so it cannot be cancelled"):
        cancel_voucher(ctx, {"serial": used.serial})
    assert [e.detail for e in f.audit_entries(engine, "Cancel eVoucher")] == ["Changed mind", ""]
    f.assert_books(engine, acc.id)


def test_secret_numbers_only_for_allowed_roles_and_always_audited(
    ctx: ServiceContext, engine: Engine, settings: Settings
) -> None:
    acc = f.account(engine)
    v = purchase_voucher(ctx, {"account_id": acc.id, "value": "5.00"})
    shown = retrieve_voucher_secret(ctx, {"serial": v.serial})
    assert shown.secret_number == _secret(engine, v.serial) and shown.state == "sold"

    agent = ServiceContext(engine, settings, f.actor(engine, settings, "agent"))
    with pytest.raises(
        NotAllowed, match=r"Your role \(agent\) may not see voucher secret numbers."
    ):
        retrieve_voucher_secret(agent, {"serial": v.serial})
    with pytest.raises(ValidationFailed, match="There is no voucher with serial X1."):
        retrieve_voucher_secret(ctx, {"serial": "X1"})

    entries = f.audit_entries(engine, "Retrieve Voucher Secret Number")
    assert [(e.agent_id, e.entity_id) for e in entries] == [
        (ctx.actor.agent_id, v.voucher_id),
        (agent.actor.agent_id, v.voucher_id),
        (ctx.actor.agent_id, None),
    ]
    assert [e.detail.split(": ")[1] for e in entries] == ["secret shown", "refused", "refused"]
    assert all(shown.secret_number not in e.detail for e in entries)


def test_two_wallet_purchases_cannot_spend_the_same_money(
    ctx: ServiceContext, engine: Engine
) -> None:
    acc = f.account(engine)
    _top_up(ctx, engine, acc.id, "10.00")
    buy = lambda: wallet_purchase_voucher(ctx, {"account_id": acc.id, "value": "10.00"})  # noqa: E731
    outcomes = f.race(buy, buy)
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], RuleViolation), outcomes
    assert "holds 0.00 EUR" in str(refused[0])
    assert f.wallet_balance(engine, acc.id) == D("0.00")
    f.assert_books(engine, acc.id)


def test_two_agents_using_one_voucher_credit_it_once(ctx: ServiceContext, engine: Engine) -> None:
    acc = f.account(engine)
    v = purchase_voucher(ctx, {"account_id": acc.id, "value": "10.00"})
    data = {"serial": v.serial, "secret_number": _secret(engine, v.serial), "account_id": acc.id}
    outcomes = f.race(lambda: use_voucher(ctx, data), lambda: use_voucher(ctx, data))
    assert sum(isinstance(o, RuleViolation) for o in outcomes) == 1, outcomes
    assert f.wallet_balance(engine, acc.id) == D("10.00")


def test_voucher_purchases_and_invoices_on_one_account_do_not_deadlock(
    ctx: ServiceContext, engine: Engine
) -> None:
    # Both take an invoice number and move the balance: one lock order (account, then number) for all.
    acc = f.account(engine)

    def buy() -> list[Any]:
        return [purchase_voucher(ctx, {"account_id": acc.id, "value": "1.00"}) for _ in range(4)]

    def bill() -> list[Any]:
        return [
            post_invoice(ctx, {"account_id": acc.id, "amount": "2.00", "description": "x"})
            for _ in range(4)
        ]

    outcomes = f.race(buy, bill, buy, bill)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert f.balance(engine, acc.id) == D("24.00")
    f.assert_books(engine, acc.id)
