"""Become Subscriber, Add Services, Remove Services, suspend and resume."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from commcentre_tui.errors import Conflict, RuleViolation, ValidationFailed
from commcentre_tui.repo import finance_queries as q
from commcentre_tui.services.billing import bill_subscriber
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.subscriptions import (
    add_services,
    become_subscriber,
    remove_service,
    resume_subscription,
    suspend_subscription,
)

from . import factories as f


def _subscribe(ctx: ServiceContext, engine: Engine, catalogue: dict[str, int], *codes: str) -> int:
    acc = f.account(engine)
    return become_subscriber(
        ctx,
        {"account_id": acc.id, "start_date": f.JAN1, "product_ids": [catalogue[c] for c in codes]},
    ).subscription_id


def test_become_subscriber_prices_services_from_the_catalogue(
    ctx: ServiceContext, engine: Engine, catalogue: dict[str, int]
) -> None:
    acc = f.account(engine)
    result = become_subscriber(
        ctx,
        {
            "account_id": acc.id,
            "start_date": "2025-01-01",
            "product_ids": [catalogue["TV"], catalogue["NET"]],
        },
    )
    assert result.number == "S00000001" and result.status == "active"
    view = q.subscription_with_services(engine, result.subscription_id)
    assert [(r.product.code, r.service.price, r.service.start_date) for r in view.services] == [
        ("TV", f.D("31.00"), f.JAN1),
        ("NET", f.D("20.00"), f.JAN1),
    ]
    assert [e.action for e in view.events] == ["Become Subscriber"]
    assert f.audit_entries(engine, "Become Subscriber")[0].entity_id == result.subscription_id
    assert [s.id for s in q.subscriptions_of_contact(engine, acc.contact_id)] == [
        result.subscription_id
    ]


@pytest.mark.parametrize(
    ("codes", "sentence"),
    [
        ([], "Choose at least 1 for services."),
        (["INSTALL"], "Installation is a one-time product; choose recurring services."),
        (["OLD"], "Retired Plan is no longer sold."),
        (["TV", "TV"], "Services must not list the same service twice."),
    ],
)
def test_services_must_be_recurring_catalogue_products(
    ctx: ServiceContext, engine: Engine, catalogue: dict[str, int], codes: list[str], sentence: str
) -> None:
    acc = f.account(engine)
    with pytest.raises(ValidationFailed) as err:
        become_subscriber(ctx, {"account_id": acc.id, "product_ids": [catalogue[c] for c in codes]})
    assert err.value.field == "product_ids" and str(err.value) == sentence


def test_add_and_remove_services_keep_history(
    ctx: ServiceContext, engine: Engine, catalogue: dict[str, int]
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    added = add_services(
        ctx,
        {
            "subscription_id": sub_id,
            "product_ids": [catalogue["NET"]],
            "effective_date": date(2025, 1, 10),
        },
    )
    with pytest.raises(ValidationFailed, match="Internet 100 is already on subscription"):
        add_services(
            ctx,
            {
                "subscription_id": sub_id,
                "product_ids": [catalogue["NET"]],
                "effective_date": date(2025, 1, 11),
            },
        )
    removed = remove_service(
        ctx,
        {
            "subscription_service_id": added.service_ids[0],
            "action_type": "Remove Service",
            "effective_date": date(2025, 1, 20),
        },
    )
    assert removed.message == "Internet 100 is removed from subscription S00000001 from 2025-01-20."
    view = q.subscription_with_services(engine, sub_id)
    net = next(r.service for r in view.services if r.product.code == "NET")
    assert (net.status, net.start_date, net.end_date) == (
        "removed",
        date(2025, 1, 10),
        date(2025, 1, 19),
    )
    assert [e.action for e in reversed(view.events)] == [
        "Become Subscriber",
        "Add Services",
        "Remove Service",
    ]
    assert [r.product.code for r in view.active_services] == ["TV"]
    with pytest.raises(RuleViolation, match="was already removed"):
        remove_service(
            ctx, {"subscription_service_id": net.id, "effective_date": date(2025, 1, 21)}
        )
    [entry] = f.audit_entries(engine, "Remove Services")
    assert entry.before["status"] == "active" and entry.after["status"] == "removed"


def test_only_the_remove_service_action_type_is_accepted(
    ctx: ServiceContext, engine: Engine, catalogue: dict[str, int]
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    svc = q.subscription_with_services(engine, sub_id).services[0].service
    with pytest.raises(ValidationFailed) as err:
        remove_service(ctx, {"subscription_service_id": svc.id, "action_type": "Swap Service"})
    assert err.value.field == "action_type"


def test_billed_days_cannot_change(
    ctx: ServiceContext, engine: Engine, catalogue: dict[str, int]
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    bill_subscriber(ctx, {"subscription_id": sub_id, "as_of": date(2025, 1, 31)})
    svc = q.subscription_with_services(engine, sub_id).services[0].service
    sentence = (
        "Subscription S00000001 is already billed up to 2025-01-31; choose an effective "
        "date from 2025-02-01 on."
    )
    with pytest.raises(RuleViolation) as err:
        remove_service(
            ctx, {"subscription_service_id": svc.id, "effective_date": date(2025, 1, 15)}
        )
    assert str(err.value) == sentence
    with pytest.raises(RuleViolation):
        add_services(
            ctx,
            {
                "subscription_id": sub_id,
                "product_ids": [catalogue["NET"]],
                "effective_date": date(2025, 1, 31),
            },
        )
    with pytest.raises(RuleViolation):
        suspend_subscription(ctx, {"subscription_id": sub_id, "effective_date": date(2025, 1, 5)})


def test_suspend_and_resume(ctx: ServiceContext, engine: Engine, catalogue: dict[str, int]) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    s = suspend_subscription(
        ctx,
        {"subscription_id": sub_id, "effective_date": date(2025, 2, 10), "reason": "Travelling"},
    )
    assert s.status == "suspended"
    with pytest.raises(RuleViolation, match="is suspended, so it cannot be suspended"):
        suspend_subscription(ctx, {"subscription_id": sub_id, "effective_date": date(2025, 2, 11)})
    with pytest.raises(
        ValidationFailed, match="on or after 2025-02-10, the last suspend or resume"
    ):
        resume_subscription(ctx, {"subscription_id": sub_id, "effective_date": date(2025, 2, 9)})
    r = resume_subscription(ctx, {"subscription_id": sub_id, "effective_date": date(2025, 2, 20)})
    assert r.status == "active" and r.version == s.version + 1
    events = q.subscription_with_services(engine, sub_id).events
    assert [(e.action, e.effective_date) for e in events[:2]] == [
        ("Resume", date(2025, 2, 20)),
        ("Suspend", date(2025, 2, 10)),
    ]
    [entry] = f.audit_entries(engine, "Suspend Subscription")
    assert (entry.before["status"], entry.after["status"]) == ("active", "suspended")


def test_a_stale_form_is_a_conflict(
    ctx: ServiceContext, engine: Engine, catalogue: dict[str, int]
) -> None:
    sub_id = _subscribe(ctx, engine, catalogue, "TV")
    version = q.subscription_with_services(engine, sub_id).subscription.version
    add_services(
        ctx,
        {
            "subscription_id": sub_id,
            "product_ids": [catalogue["NET"]],
            "effective_date": date(2025, 1, 5),
            "expected_version": version,
        },
    )
    with pytest.raises(Conflict, match="Another agent changed subscription S00000001"):
        add_services(
            ctx,
            {
                "subscription_id": sub_id,
                "product_ids": [catalogue["PHONE"]],
                "effective_date": date(2025, 1, 5),
                "expected_version": version,
            },
        )
