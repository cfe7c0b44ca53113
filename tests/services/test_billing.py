"""Bill Subscriber: preview, proration, tax, rounding, posting once, and the bill read helpers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.errors import NotAllowed, RuleViolation
from commcentre_tui.repo import finance_queries as q
from commcentre_tui.roles import RoleSettings
from commcentre_tui.services.billing import bill_subscriber, month_segments, preview_bill
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.subscriptions import (
    add_services,
    become_subscriber,
    remove_service,
    resume_subscription,
    suspend_subscription,
)

from . import factories as f

D = Decimal


def _subscribe(
    ctx: ServiceContext,
    engine: Engine,
    catalogue: dict[str, int],
    *codes: str,
    start: date = f.JAN1,
    acc_id: int | None = None,
) -> int:
    acc_id = acc_id or f.account(engine).id
    return become_subscriber(
        ctx,
        {"account_id": acc_id, "start_date": start, "product_ids": [catalogue[c] for c in codes]},
    ).subscription_id


def _amounts(preview) -> list[tuple[str, Decimal, Decimal]]:
    return [(ln.description.split(",")[0], ln.amount, ln.tax) for ln in preview.lines]


def test_a_whole_month_is_the_price_plus_tax(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV", "NET")
    p = preview_bill(ctx, {"subscription_id": sub_id, "as_of": "2025-01-31"})
    # 19% tax per line: 31.00 → 5.89, 20.00 → 3.80.
    assert _amounts(p) == [
        ("TV Basic", D("31.00"), D("5.89")),
        ("Internet 100", D("20.00"), D("3.80")),
    ]
    assert (p.subtotal, p.tax, p.amount) == (D("51.00"), D("9.69"), D("60.69"))
    assert (p.period_start, p.period_end, p.due_date) == (
        f.JAN1,
        date(2025, 1, 31),
        date(2025, 3, 2),
    )
    assert p.lines[0].description == "TV Basic, 2025-01-01 – 2025-01-31"
    assert p.lines[0].quantity == 1 and p.previous_balance == 0 and p.total_due == D("60.69")


def test_partial_months_are_prorated_by_days(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV", "NET", start=date(2025, 1, 15))
    p = preview_bill(ctx, {"subscription_id": sub_id, "as_of": date(2025, 3, 10)})
    # Jan 15–31 = 17/31: 31.00 → 17.00 (tax 3.23), 20.00 → 10.967… → 10.97 (tax 2.0843 → 2.08)
    # Feb whole: 31.00 (5.89), 20.00 (3.80).  Mar 1–10 = 10/31: 10.00 (1.90), 6.4516… → 6.45 (1.2255 → 1.23)
    assert _amounts(p) == [
        ("TV Basic", D("17.00"), D("3.23")),
        ("Internet 100", D("10.97"), D("2.08")),
        ("TV Basic", D("31.00"), D("5.89")),
        ("Internet 100", D("20.00"), D("3.80")),
        ("TV Basic", D("10.00"), D("1.90")),
        ("Internet 100", D("6.45"), D("1.23")),
    ]
    assert (p.subtotal, p.tax, p.amount) == (D("95.42"), D("18.13"), D("113.55"))
    assert p.lines[1].description == "Internet 100, 2025-01-15 – 2025-01-31 (17 of 31 days)"
    assert p.lines[1].quantity == D("0.5484") and p.lines[1].unit_price == D("20.00")


def test_services_added_or_removed_mid_month_are_prorated(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    tv = q.subscription_with_services(engine, sub_id).services[0].service
    add_services(
        ctx,
        {
            "subscription_id": sub_id,
            "product_ids": [catalogue["NET"]],
            "effective_date": date(2025, 1, 10),
        },
    )
    remove_service(ctx, {"subscription_service_id": tv.id, "effective_date": date(2025, 1, 21)})
    p = preview_bill(ctx, {"subscription_id": sub_id, "as_of": date(2025, 1, 31)})
    # TV Jan 1–20 = 20/31 of 31.00 = 20.00; Internet Jan 10–31 = 22/31 of 20.00 = 14.1935… → 14.19
    assert [(ln.days, ln.amount) for ln in p.lines] == [(20, D("20.00")), (22, D("14.19"))]


def test_suspended_days_are_not_billed(ctx: ServiceContext, engine: Engine, catalogue) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    suspend_subscription(ctx, {"subscription_id": sub_id, "effective_date": date(2025, 2, 10)})
    resume_subscription(ctx, {"subscription_id": sub_id, "effective_date": date(2025, 2, 20)})
    p = preview_bill(ctx, {"subscription_id": sub_id, "as_of": date(2025, 2, 28)})
    # Feb 10–19 suspended: 18 of 28 days of 31.00 = 19.9285… → 19.93 (tax 3.7867 → 3.79)
    assert _amounts(p) == [("TV Basic", D("31.00"), D("5.89")), ("TV Basic", D("19.93"), D("3.79"))]


@pytest.mark.parametrize(
    ("rule", "amount"), [("ROUND_HALF_UP", "5.13"), ("ROUND_HALF_EVEN", "5.12")]
)
def test_rounding_and_tax_follow_the_config(
    engine: Engine, settings: Settings, admin_actor, catalogue, rule: str, amount: str
) -> None:
    ctx = ServiceContext(
        engine, f.with_billing(settings, rounding=rule, tax_rate="0.05"), admin_actor
    )
    sub_id = _subscribe(ctx, engine, catalogue, "HALF", start=date(2025, 4, 1))
    p = preview_bill(ctx, {"subscription_id": sub_id, "as_of": date(2025, 4, 15)})
    # 10.25 × 15/30 = 5.125 exactly: the rule decides; tax 5% of the rounded line, rounded once.
    [line] = p.lines
    assert line.amount == D(amount)
    assert line.tax == (line.amount * D("0.05")).quantize(D("0.01"), rounding=rule)


def test_preview_writes_nothing_and_submit_posts_the_same_bill(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV", "NET", start=date(2025, 1, 15))
    acc_id = q.subscription_with_services(engine, sub_id).account.id
    f.add(engine, f.m.Invoice(account_id=acc_id, number="I-OLD", amount=D("5.00")))
    with f.transaction(engine) as s:
        s.get(f.m.Account, acc_id).balance = D("5.00")
    before = f.row_counts(engine)
    preview = preview_bill(ctx, {"subscription_id": sub_id, "as_of": date(2025, 2, 28)})
    assert f.row_counts(engine) == before
    assert preview.previous_balance == D("5.00")

    result = bill_subscriber(ctx, {"subscription_id": sub_id, "as_of": date(2025, 2, 28)})
    assert result.preview == preview
    assert result.account_balance == D("5.00") + preview.amount == f.balance(engine, acc_id)
    view = q.bill_with_lines(engine, result.bill_id)
    assert (view.bill.number, view.bill.status, view.bill.amount) == (
        "B000000001",
        "unpaid",
        preview.amount,
    )
    assert view.bill.previous_balance == D("5.00") and view.outstanding == preview.amount
    assert [(ln.amount, ln.tax) for ln in view.lines] == [
        (ln.amount, ln.tax) for ln in preview.lines
    ]
    assert view.subscription_number == "S00000001"
    sub = q.subscription_with_services(engine, sub_id)
    assert sub.subscription.billed_until == date(2025, 2, 28)
    assert sub.events[0].action == "Bill Subscriber"
    [entry] = f.audit_entries(engine, "Bill Subscriber")
    assert (
        entry.after["amount"] == str(preview.amount) and entry.before["account_balance"] == "5.00"
    )
    f.assert_books(engine, acc_id)


def test_the_same_period_is_billed_once(ctx: ServiceContext, engine: Engine, catalogue) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    bill_subscriber(ctx, {"subscription_id": sub_id, "as_of": date(2025, 1, 31)})
    sentence = (
        "Subscription S00000001 is already billed up to 2025-01-31; the next bill can be "
        "as of 2025-02-01 or later."
    )
    for as_of in (date(2025, 1, 31), date(2025, 1, 20)):
        with pytest.raises(RuleViolation) as err:
            bill_subscriber(ctx, {"subscription_id": sub_id, "as_of": as_of})
        assert str(err.value) == sentence
        with pytest.raises(RuleViolation):
            preview_bill(ctx, {"subscription_id": sub_id, "as_of": as_of})
    nxt = bill_subscriber(ctx, {"subscription_id": sub_id, "as_of": date(2025, 2, 14)})
    assert (nxt.preview.period_start, nxt.preview.lines[0].amount) == (date(2025, 2, 1), D("15.50"))


def test_billing_before_the_start_is_refused(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV", start=date(2025, 3, 1))
    with pytest.raises(RuleViolation, match="starts on 2025-03-01"):
        bill_subscriber(ctx, {"subscription_id": sub_id, "as_of": date(2025, 2, 28)})


def test_a_bill_with_nothing_to_charge_is_posted_paid(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    tv = q.subscription_with_services(engine, sub_id).services[0].service
    remove_service(ctx, {"subscription_service_id": tv.id, "effective_date": f.JAN1})
    result = bill_subscriber(ctx, {"subscription_id": sub_id, "as_of": date(2025, 1, 31)})
    assert (result.status, result.preview.lines, result.account_balance) == ("paid", (), D("0.00"))


def test_two_agents_billing_the_same_period_post_one_bill(
    ctx: ServiceContext, engine: Engine, catalogue
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    call = lambda: bill_subscriber(ctx, {"subscription_id": sub_id, "as_of": date(2025, 1, 31)})  # noqa: E731
    outcomes = f.race(call, call)
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], RuleViolation), outcomes
    assert "already billed up to 2025-01-31" in str(refused[0])
    acc_id = q.subscription_with_services(engine, sub_id).account.id
    assert len(q.bills_of_account(engine, acc_id)) == 1 and f.balance(engine, acc_id) == D("36.89")


def test_view_only_roles_may_preview_but_not_post(
    engine: Engine, settings: Settings, admin_actor, catalogue
) -> None:
    admin = ServiceContext(engine, settings, admin_actor)
    sub_id = _subscribe(admin, engine, catalogue, "TV")
    settings.roles["viewer"] = RoleSettings(default_level="view", actions=["Bill Subscriber"])
    viewer = ServiceContext(engine, settings, f.actor(engine, settings, "viewer"))
    assert preview_bill(
        viewer, {"subscription_id": sub_id, "as_of": date(2025, 1, 31)}
    ).amount == D("36.89")
    with pytest.raises(NotAllowed, match="view access to bill records; this needs edit"):
        bill_subscriber(viewer, {"subscription_id": sub_id, "as_of": date(2025, 1, 31)})


def test_bill_read_helpers(ctx: ServiceContext, engine: Engine, catalogue) -> None:
    owner = f.contact(engine)
    acc1, acc2 = f.account(engine, owner.id), f.account(engine, owner.id)
    s1 = _subscribe(ctx, engine, catalogue, "TV", acc_id=acc1.id)
    s2 = _subscribe(ctx, engine, catalogue, "NET", acc_id=acc2.id)
    b1 = bill_subscriber(ctx, {"subscription_id": s1, "as_of": date(2025, 1, 31)})
    b2 = bill_subscriber(ctx, {"subscription_id": s2, "as_of": date(2025, 2, 28)})
    b3 = bill_subscriber(ctx, {"subscription_id": s1, "as_of": date(2025, 2, 28)})
    assert [b.id for b in q.unpaid_bills(engine, contact_id=owner.id)] == [
        b3.bill_id,
        b2.bill_id,
        b1.bill_id,
    ]
    assert [b.id for b in q.unpaid_bills(engine, account_id=acc1.id)] == [b3.bill_id, b1.bill_id]
    assert [r.kind for r in q.account_ledger(engine, acc1.id)] == ["bill", "bill"]
    # Recurring, still sold, by name (Installation is one-time; Retired Plan is no longer sold).
    assert [p.code for p in q.catalogue_products(engine)] == ["PHONE", "NET", "HALF", "TV"]
    assert len(q.catalogue_products(engine, kind=None, include_inactive=True)) == 6


def test_month_segments_follow_the_calendar() -> None:
    assert list(month_segments(date(2024, 1, 30), date(2024, 3, 2))) == [
        (date(2024, 1, 30), date(2024, 1, 31), 31),
        (date(2024, 2, 1), date(2024, 2, 29), 29),
        (date(2024, 3, 1), date(2024, 3, 2), 31),
    ]
