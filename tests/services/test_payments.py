"""Pay a Bill, Post an Invoice, Post a Payment, credits — and concurrent payments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.errors import Conflict, NotAllowed, RuleViolation, ValidationFailed
from commcentre_tui.repo import finance_queries as q
from commcentre_tui.services.billing import bill_subscriber
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.payments import pay_bill, post_credit, post_invoice, post_payment
from commcentre_tui.services.subscriptions import become_subscriber

from . import factories as f

D = Decimal
TV_MONTH = D("36.89")  # 31.00 + 19% tax


def _billed(
    ctx: ServiceContext, engine: Engine, catalogue: dict[str, int], months: int = 1
) -> tuple[int, list[int]]:
    """An account with ``months`` unpaid TV bills of 36.89; returns (account id, bill ids)."""
    acc = f.account(engine)
    sub = become_subscriber(
        ctx,
        {"account_id": acc.id, "product_ids": [catalogue["TV"]], "start_date": date(2025, 1, 1)},
    )
    ends = [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)][:months]
    bills = [
        bill_subscriber(ctx, {"subscription_id": sub.subscription_id, "as_of": d}).bill_id
        for d in ends
    ]
    return acc.id, bills


def test_pay_the_latest_bill_in_full_by_default(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    acc_id, [older, latest] = _billed(ctx, engine, catalogue, months=2)
    result = pay_bill(ctx, {"account_id": acc_id, "method": "card", "reference": "visa 4242"})
    assert (result.bill_id, result.amount, result.bill_status, result.bill_outstanding) == (
        latest,
        TV_MONTH,
        "paid",
        D("0.00"),
    )
    assert result.account_balance == TV_MONTH == f.balance(engine, acc_id)
    assert result.message == (
        f"Payment P000000001 of 36.89 EUR recorded on bill {result.bill_number}; "
        "the bill is paid, and the account owes 36.89 EUR."
    )
    assert [b.id for b in q.unpaid_bills(engine, account_id=acc_id)] == [older]
    [entry] = f.audit_entries(engine, "Pay a Bill")
    assert entry.before["bill"]["status"] == "unpaid" and entry.after["bill"]["status"] == "paid"
    assert (entry.before["account_balance"], entry.after["account_balance"]) == ("73.78", "36.89")
    f.assert_books(engine, acc_id)


def test_partial_payments_leave_the_bill_partly_paid(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    acc_id, [bill_id] = _billed(ctx, engine, catalogue)
    first = pay_bill(ctx, {"bill_id": bill_id, "amount": "20.00"})
    assert (first.bill_status, first.bill_outstanding) == ("partly_paid", D("16.89"))
    assert "16.89 EUR is still outstanding on it" in first.message
    assert q.bill_with_lines(engine, bill_id).outstanding == D("16.89")
    rest = pay_bill(ctx, {"bill_id": bill_id})
    assert (rest.amount, rest.bill_status, rest.account_balance) == (D("16.89"), "paid", D("0.00"))
    assert "nothing is owed on the account" in rest.message
    f.assert_books(engine, acc_id)


def test_a_bill_is_never_overpaid(ctx: ServiceContext, engine: Engine, catalogue) -> None:
    acc_id, [bill_id] = _billed(ctx, engine, catalogue)
    pay_bill(ctx, {"bill_id": bill_id, "amount": "30.00"})
    before = f.row_counts(engine)
    with pytest.raises(RuleViolation) as err:
        pay_bill(ctx, {"bill_id": bill_id, "amount": "10.00"})
    assert str(err.value) == (
        "The payment of 10.00 EUR is more than the 6.89 EUR outstanding on bill "
        "B000000001; enter at most 6.89 EUR, or use Post a Payment to leave a "
        "credit on the account."
    )
    assert f.row_counts(engine) == before
    pay_bill(ctx, {"bill_id": bill_id})
    with pytest.raises(RuleViolation, match="already paid in full; 0.00 EUR is outstanding"):
        pay_bill(ctx, {"bill_id": bill_id})
    with pytest.raises(RuleViolation, match=r"Account TA\d+ has no unpaid bills\."):
        pay_bill(ctx, {"account_id": acc_id})


def test_a_stale_form_is_told_the_new_outstanding_amount(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    _, [bill_id] = _billed(ctx, engine, catalogue)
    version = q.bill_with_lines(engine, bill_id).bill.version
    pay_bill(ctx, {"bill_id": bill_id, "amount": "6.89", "expected_version": version})
    with pytest.raises(Conflict) as err:
        pay_bill(ctx, {"bill_id": bill_id, "amount": "5.00", "expected_version": version})
    assert str(err.value) == (
        "Another payment on bill B000000001 was recorded a moment ago; "
        "30.00 EUR is now outstanding."
    )


@pytest.mark.parametrize(
    ("amount", "sentence"),
    [
        (12.5, "Amount must be typed as a decimal amount such as 12.50, not a binary float."),
        ("12.505", "Amount must have at most two decimal places."),
        ("0", "Amount must be more than 0.00."),
        ("-3", "Amount must be more than 0.00."),
        ("twelve", "Amount must be a number such as 12.50."),
        ("NaN", "Amount must be a finite number such as 12.50."),
        ("Infinity", "Amount must be a finite number such as 12.50."),
    ],
)
def test_amounts_are_exact_decimals(
    ctx: ServiceContext, engine: Engine, amount, sentence: str
) -> None:
    acc = f.account(engine)
    with pytest.raises(ValidationFailed) as err:
        post_payment(ctx, {"account_id": acc.id, "amount": amount})
    assert (err.value.field, str(err.value)) == ("amount", sentence)


def test_choose_a_bill_and_a_known_method(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationFailed) as err:
        pay_bill(ctx, {})
    assert (err.value.field, str(err.value)) == ("bill_id", "Choose the bill to pay.")
    with pytest.raises(ValidationFailed) as err:
        pay_bill(ctx, {"bill_id": 1, "method": "bitcoin"})
    assert err.value.field == "method" and str(err.value).startswith(
        "Method must be 'cash', 'card'"
    )
    with pytest.raises(ValidationFailed, match="There is no bill 99."):
        pay_bill(ctx, {"bill_id": 99})


def test_a_payment_larger_than_the_balance_leaves_a_credit(
    ctx: ServiceContext, engine: Engine
) -> None:
    acc = f.account(engine)
    inv = post_invoice(ctx, {"account_id": acc.id, "amount": "40.00", "description": "Router"})
    assert inv.number == "I00000001" and inv.account_balance == D("40.00")
    assert inv.due_date == date.today() + timedelta(days=30)
    pay = post_payment(ctx, {"account_id": acc.id, "amount": "100.00", "method": "bank_transfer"})
    assert pay.account_balance == D("-60.00") and pay.bill_id is None
    assert pay.message.endswith("the account has a credit of 60.00 EUR.")
    credit = post_credit(ctx, {"account_id": acc.id, "amount": "5.50", "reason": "Goodwill"})
    assert credit.account_balance == D("-65.50")
    # Newest first; on one day by kind (payment, invoice, credit) — signed as they move the balance.
    assert [(r.kind, r.amount) for r in q.account_ledger(engine, acc.id)] == [
        ("payment", D("-100.00")),
        ("invoice", D("40.00")),
        ("credit", D("-5.50")),
    ]
    for action in ("Post an Invoice", "Post a Payment", "Post a Credit"):
        assert len(f.audit_entries(engine, action)) == 1
    f.assert_books(engine, acc.id)


def test_invoice_due_date_and_description(ctx: ServiceContext, engine: Engine) -> None:
    acc = f.account(engine)
    with pytest.raises(ValidationFailed) as err:
        post_invoice(ctx, {"account_id": acc.id, "amount": "1.00", "description": " "})
    assert (err.value.field, str(err.value)) == ("description", "Description is required.")
    with pytest.raises(ValidationFailed, match="The due date must be today or later."):
        post_invoice(
            ctx,
            {
                "account_id": acc.id,
                "amount": "1.00",
                "description": "x",
                "due_date": date.today() - timedelta(days=1),
            },
        )
    with pytest.raises(ValidationFailed, match="There is no account 999."):
        post_invoice(ctx, {"account_id": 999, "amount": "1.00", "description": "x"})


def test_agents_may_take_payments_but_not_post_invoices(
    engine: Engine, settings: Settings, catalogue
) -> None:
    agent = ServiceContext(engine, settings, f.actor(engine, settings, "agent"))
    acc = f.account(engine)
    assert post_payment(agent, {"account_id": acc.id, "amount": "1.00"}).account_balance == D(
        "-1.00"
    )
    with pytest.raises(NotAllowed, match="may not run “Post an Invoice”"):
        post_invoice(agent, {"account_id": acc.id, "amount": "1.00", "description": "x"})


@pytest.mark.parametrize("amount", [None, "36.89"])
def test_two_agents_paying_the_same_bill_at_once(
    ctx: ServiceContext, engine: Engine, catalogue, amount
) -> None:
    acc_id, [bill_id] = _billed(ctx, engine, catalogue)
    data = {"bill_id": bill_id, **({"amount": amount} if amount else {})}
    outcomes = f.race(lambda: pay_bill(ctx, data), lambda: pay_bill(ctx, data))
    paid = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(paid) == 1 and paid[0].amount == TV_MONTH and paid[0].bill_status == "paid", outcomes
    assert len(refused) == 1 and isinstance(refused[0], RuleViolation), outcomes
    assert str(refused[0]) == "Bill B000000001 is already paid in full; 0.00 EUR is outstanding."
    assert f.balance(engine, acc_id) == D("0.00")
    f.assert_books(engine, acc_id)


def test_two_agents_paying_most_of_a_bill_at_once(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    acc_id, [bill_id] = _billed(ctx, engine, catalogue)
    version = q.bill_with_lines(engine, bill_id).bill.version
    data = {"bill_id": bill_id, "amount": "30.00"}
    stale = {**data, "expected_version": version}
    outcomes = f.race(lambda: pay_bill(ctx, data), lambda: pay_bill(ctx, stale))
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1, outcomes
    assert "6.89 EUR" in str(refused[0]) and isinstance(refused[0], RuleViolation | Conflict)
    assert q.bill_with_lines(engine, bill_id).bill.paid_amount == D("30.00")
    f.assert_books(engine, acc_id)


def test_concurrent_payments_on_one_account_lose_no_update(
    ctx: ServiceContext, engine: Engine
) -> None:
    acc = f.account(engine)

    def three_payments(cents: int) -> None:
        for k in range(3):
            post_payment(ctx, {"account_id": acc.id, "amount": D(cents + k).scaleb(-2)})

    outcomes = f.race(*(lambda c=c: three_payments(c) for c in (101, 202, 303, 404)))
    assert outcomes == [None] * 4
    # Σ over c of (c + c+1 + c+2) cents = 3·(101+202+303+404) + 4·3 = 3042 cents.
    assert f.balance(engine, acc.id) == D("-30.42")
    f.assert_books(engine, acc.id)
