"""Property tests: random sequences of finance actions never break the books.

After every step, on SQLite and PostgreSQL:
- account balance = posted invoices + bills − payments − credits (and equals a model kept here);
- wallet balance = the sum of its transactions (and never negative);
- each bill's paid amount = its payments, its status follows, amount = subtotal + tax;
- reward points = posted awards − posted spends.
Refused actions (overpaying a bill, a short wallet, using a used voucher …) must change nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from commcentre_tui import models as m
from commcentre_tui.errors import CommCentreError, RuleViolation, ValidationFailed
from commcentre_tui.repo import finance_queries as q
from commcentre_tui.repo import voucher_reward_queries as vrq
from commcentre_tui.services import (
    billing,
    payments,
    rewards,
    subscriptions,
    voucher_secret,
    vouchers,
)
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.money import prorate

from . import factories as f

D = Decimal
ZERO = D("0.00")
AMOUNTS = st.integers(min_value=1, max_value=30_000).map(lambda cents: D(cents).scaleb(-2))
RUN = settings(
    max_examples=25,
    stateful_step_count=16,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class Books(RuleBasedStateMachine):
    """One account with a subscription, a wallet, vouchers and a rewards participation."""

    ctx: ServiceContext

    @initialize()
    def open_account(self) -> None:
        engine = self.ctx.engine
        self.catalogue = f.products(engine)
        self.acc = f.account(engine)
        self.pid = f.participant(engine, self.acc.contact_id, self.acc.id).id
        sub = subscriptions.become_subscriber(
            self.ctx,
            {
                "account_id": self.acc.id,
                "product_ids": [self.catalogue["TV"]],
                "start_date": f.JAN1,
            },
        )
        self.sub_id = sub.subscription_id
        self.billed_until = f.JAN1 - timedelta(days=1)
        self.balance = ZERO
        self.wallet = ZERO
        self.points = 0
        self.bills: dict[int, D] = {}  # unpaid bill id → outstanding
        self.vouchers: dict[str, tuple[str, str, D]] = {}  # serial → (state, paid_from, value)
        self.rewards: list[tuple[str, int, int]] = []  # posted (kind, id, points)

    # --- ledger ------------------------------------------------------------------------------
    @rule(kind=st.sampled_from(["invoice", "payment", "credit"]), amount=AMOUNTS)
    def post(self, kind: str, amount: D) -> None:
        account = {"account_id": self.acc.id, "amount": amount}
        if kind == "invoice":
            payments.post_invoice(self.ctx, {**account, "description": "Router"})
            self.balance += amount
        elif kind == "payment":
            payments.post_payment(self.ctx, account)
            self.balance -= amount
        else:
            payments.post_credit(self.ctx, {**account, "reason": "Goodwill"})
            self.balance -= amount

    # --- billing -----------------------------------------------------------------------------
    @rule(days=st.integers(min_value=1, max_value=75))
    def bill(self, days: int) -> None:
        as_of = self.billed_until + timedelta(days=days)
        preview = billing.preview_bill(self.ctx, {"subscription_id": self.sub_id, "as_of": as_of})
        result = billing.bill_subscriber(self.ctx, {"subscription_id": self.sub_id, "as_of": as_of})
        assert result.preview == preview
        self.billed_until = as_of
        self.balance += preview.amount
        if preview.amount:
            self.bills[result.bill_id] = preview.amount

    @precondition(lambda self: bool(self.bills))
    @rule(data=st.data())
    def pay_bill(self, data: st.DataObject) -> None:
        bill_id = data.draw(st.sampled_from(sorted(self.bills)))
        outstanding = self.bills[bill_id]
        cents = data.draw(st.none() | st.integers(1, int(outstanding * 100) + 500))
        amount = None if cents is None else D(cents).scaleb(-2)
        if amount is not None and amount > outstanding:
            try:
                payments.pay_bill(self.ctx, {"bill_id": bill_id, "amount": amount})
            except RuleViolation as exc:
                assert f"{outstanding:,.2f} EUR outstanding" in str(exc)
                return
            raise AssertionError("an overpayment of a bill was accepted")
        result = payments.pay_bill(self.ctx, {"bill_id": bill_id, "amount": amount})
        paid = amount or outstanding
        self.balance -= paid
        self.bills[bill_id] = outstanding - paid
        assert result.bill_outstanding == self.bills[bill_id]
        if not self.bills[bill_id]:
            del self.bills[bill_id]

    @rule(data=st.data(), add=st.booleans(), days=st.integers(1, 40))
    def change_services(self, data: st.DataObject, add: bool, days: int) -> None:
        day = self.billed_until + timedelta(days=days)
        active = q.subscription_with_services(self.ctx.engine, self.sub_id).active_services
        if add or not active:
            code = data.draw(st.sampled_from(["NET", "PHONE", "HALF"]))
            try:
                subscriptions.add_services(
                    self.ctx,
                    {
                        "subscription_id": self.sub_id,
                        "product_ids": [self.catalogue[code]],
                        "effective_date": day,
                    },
                )
            except ValidationFailed as exc:
                assert "is already on subscription" in str(exc)
            return
        svc = data.draw(st.sampled_from(active)).service
        subscriptions.remove_service(
            self.ctx,
            {"subscription_service_id": svc.id, "effective_date": max(day, svc.start_date)},
        )

    # --- vouchers and wallet (one rule, so every call can walk a whole life cycle) ----------
    @rule(
        data=st.data(),
        value=AMOUNTS,
        pay_from=st.sampled_from(["account", "wallet"]),
        then=st.sampled_from(["use_wallet", "use_account", "cancel", "keep"]),
    )
    def voucher(self, data: st.DataObject, value: D, pay_from: str, then: str) -> None:
        if not self.vouchers or data.draw(st.booleans()):
            serial = self._purchase(value, pay_from)
            if serial is None:
                return
        else:
            serial = data.draw(st.sampled_from(sorted(self.vouchers)))
        if then.startswith("use"):
            self._use(serial, then.removeprefix("use_"))
        elif then == "cancel":
            self._cancel(serial)

    def _purchase(self, value: D, pay_from: str) -> str | None:
        data = {"account_id": self.acc.id, "value": value, "pay_from": pay_from}
        if pay_from == "wallet" and value > self.wallet:
            try:
                vouchers.purchase_voucher(self.ctx, data)
            except RuleViolation as exc:
                assert f"holds {self.wallet:,.2f} EUR" in str(exc)
                return None
            raise AssertionError("a short wallet paid for a voucher")
        result = vouchers.purchase_voucher(self.ctx, data)
        self.vouchers[result.serial] = ("sold", pay_from, value)
        if pay_from == "account":
            self.balance += value
        else:
            self.wallet -= value
        return result.serial

    def _use(self, serial: str, credit_to: str) -> None:
        state, paid_from, value = self.vouchers[serial]
        secret = voucher_secret.retrieve_voucher_secret(self.ctx, {"serial": serial}).secret_number
        call = {
            "serial": serial,
            "secret_number": secret,
            "account_id": self.acc.id,
            "credit_to": credit_to,
        }
        if state != "sold":
            try:
                vouchers.use_voucher(self.ctx, call)
            except RuleViolation:
                return
            raise AssertionError(f"a {state} voucher was used")
        vouchers.use_voucher(self.ctx, call)
        self.vouchers[serial] = ("used", paid_from, value)
        if credit_to == "account":
            self.balance -= value
        else:
            self.wallet += value

    def _cancel(self, serial: str) -> None:
        state, paid_from, value = self.vouchers[serial]
        if state != "sold":
            try:
                vouchers.cancel_voucher(self.ctx, {"serial": serial})
            except RuleViolation:
                return
            raise AssertionError(f"a {state} voucher was cancelled")
        vouchers.cancel_voucher(self.ctx, {"serial": serial})
        self.vouchers[serial] = ("cancelled", paid_from, value)
        if paid_from == "account":
            self.balance -= value
        else:
            self.wallet += value

    # --- rewards -----------------------------------------------------------------------------
    @rule(points=st.integers(1, 500), spend=st.booleans())
    def reward(self, points: int, spend: bool) -> None:
        call = {"participant_id": self.pid, "points": points}
        if spend and points > self.points:
            try:
                rewards.spend_points(self.ctx, call)
            except RuleViolation:
                return
            raise AssertionError("more points were spent than the participant has")
        result = (rewards.spend_points if spend else rewards.award_points)(self.ctx, call)
        self.rewards.append((result.kind, result.transaction_id, points))
        self.points += -points if spend else points

    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data())
    def cancel_reward(self, data: st.DataObject) -> None:
        kind, tid, points = data.draw(st.sampled_from(self.rewards))
        call = {"kind": kind, "transaction_id": tid}
        if kind == "award" and points > self.points:
            try:
                rewards.cancel_reward_transaction(self.ctx, call)
            except RuleViolation:
                return
            raise AssertionError("an award was cancelled below zero points")
        rewards.cancel_reward_transaction(self.ctx, call)
        self.rewards.remove((kind, tid, points))
        self.points += -points if kind == "award" else points

    # --- the invariants ----------------------------------------------------------------------
    @invariant()
    def books_add_up(self) -> None:
        if not hasattr(self, "acc"):
            return
        engine = self.ctx.engine
        f.assert_books(engine, self.acc.id)
        assert f.balance(engine, self.acc.id) == self.balance
        assert f.wallet_balance(engine, self.acc.id) == self.wallet
        assert vrq.participants_of_contact(engine, self.acc.contact_id)[0].points == self.points
        assert {
            b.id: b.amount - b.paid_amount for b in q.unpaid_bills(engine, account_id=self.acc.id)
        } == self.bills


def test_random_action_sequences_keep_the_books(ctx: ServiceContext) -> None:
    machine = type("BooksOnThisBackend", (Books,), {"ctx": ctx})
    run_state_machine_as_test(machine, settings=RUN)


def test_a_mixed_concurrent_workload_keeps_the_books(ctx: ServiceContext) -> None:
    """Agents working one account at once: only domain refusals, no database errors, books add up."""
    engine = ctx.engine
    catalogue = f.products(engine)
    acc = f.account(engine)
    sub = subscriptions.become_subscriber(
        ctx,
        {
            "account_id": acc.id,
            "start_date": f.JAN1,
            "product_ids": [catalogue["TV"], catalogue["NET"]],
        },
    )
    first = billing.bill_subscriber(
        ctx, {"subscription_id": sub.subscription_id, "as_of": date(2025, 1, 31)}
    )
    sold = [
        vouchers.purchase_voucher(ctx, {"account_id": acc.id, "value": "5.00"}).serial
        for _ in range(2)
    ]
    secrets = [
        voucher_secret.retrieve_voucher_secret(ctx, {"serial": s}).secret_number for s in sold
    ]

    def steps(*calls):
        def run() -> list[object]:
            out: list[object] = []
            for call in calls:
                try:
                    out.append(call())
                except CommCentreError as exc:  # a refusal an agent would read
                    out.append(exc)
            return out

        return run

    results = f.race(
        steps(
            lambda: payments.pay_bill(ctx, {"bill_id": first.bill_id, "amount": "20.00"}),
            lambda: payments.post_payment(ctx, {"account_id": acc.id, "amount": "3.00"}),
        ),
        steps(
            lambda: payments.pay_bill(ctx, {"account_id": acc.id, "amount": "20.00"}),
            lambda: payments.post_invoice(
                ctx, {"account_id": acc.id, "amount": "4.00", "description": "x"}
            ),
        ),
        steps(
            lambda: billing.bill_subscriber(
                ctx, {"subscription_id": sub.subscription_id, "as_of": date(2025, 2, 28)}
            ),
            lambda: payments.post_credit(
                ctx, {"account_id": acc.id, "amount": "1.00", "reason": "x"}
            ),
        ),
        steps(
            lambda: vouchers.use_voucher(
                ctx, {"serial": sold[0], "secret_number": secrets[0], "account_id": acc.id}
            ),
            lambda: vouchers.purchase_voucher(ctx, {"account_id": acc.id, "value": "2.00"}),
            lambda: vouchers.wallet_purchase_voucher(ctx, {"account_id": acc.id, "value": "5.00"}),
        ),
        steps(
            lambda: vouchers.cancel_voucher(ctx, {"serial": sold[1]}),
            lambda: vouchers.use_voucher(
                ctx,
                {
                    "serial": sold[0],
                    "secret_number": secrets[0],
                    "account_id": acc.id,
                    "credit_to": "account",
                },
            ),
        ),
    )
    flat = [r for thread in results for r in (thread if isinstance(thread, list) else [thread])]
    assert not [
        r for r in flat if isinstance(r, Exception) and not isinstance(r, CommCentreError)
    ], flat
    f.assert_books(engine, acc.id)


def _service(price: D, start: date, end: date | None) -> tuple[m.SubscriptionService, m.Product]:
    return (
        m.SubscriptionService(
            id=1, subscription_id=1, product_id=1, price=price, start_date=start, end_date=end
        ),
        m.Product(id=1, code="P", name="P", price=price),
    )


@settings(max_examples=60, deadline=None, database=None)
@given(
    price_cents=st.integers(0, 100_000),
    start=st.dates(date(2023, 1, 1), date(2025, 12, 31)),
    length=st.integers(0, 120),
    cut=st.integers(0, 120),
    rule_name=st.sampled_from(["ROUND_HALF_UP", "ROUND_HALF_EVEN"]),
)
def test_proration_is_exact_for_whole_months_and_rounded_once(
    price_cents: int, start: date, length: int, cut: int, rule_name: str
) -> None:
    price = D(price_cents).scaleb(-2)
    end = start + timedelta(days=length)
    lines = billing.compute_lines(
        [_service(price, start, None)], [], start, end, D("0.19"), rule_name
    )
    assert sum(ln.days for ln in lines) == length + 1
    for ln in lines:
        assert ln.amount == prorate(price, ln.days, ln.month_days, rule_name)
        assert ZERO <= ln.amount <= price
        if ln.days == ln.month_days:
            assert ln.amount == price
        assert ln.tax == (ln.amount * D("0.19")).quantize(D("0.01"), rounding=rule_name)
    # Billing in two pieces charges the same days as billing at once (only rounding may differ).
    split = start + timedelta(days=min(cut, length))
    first = billing.compute_lines(
        [_service(price, start, None)], [], start, split, D("0.19"), rule_name
    )
    second = billing.compute_lines(
        [_service(price, start, None)], [], split + timedelta(days=1), end, D("0.19"), rule_name
    )
    assert sum(ln.days for ln in first + second) == length + 1
    assert abs(sum(ln.amount for ln in first + second) - sum(ln.amount for ln in lines)) <= D(
        "0.01"
    )
