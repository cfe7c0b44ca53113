"""Become Subscriber and Manage Subscription: Add Services, Remove Services, suspend, resume.

Billing reads dates, not statuses: a service is billed from its ``start_date`` to its
``end_date`` (the day before the Remove Service effective date), except on days the
subscription is suspended (between a Suspend and the next Resume effective date). Days already
billed cannot change, so every effective date must come after ``billed_until``. Every change is
kept as a ``subscription_event`` (the history) and an audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field
from sqlmodel import Session, col

from commcentre_tui.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from commcentre_tui.models import (
    Account,
    Product,
    Subscription,
    SubscriptionEvent,
    SubscriptionService,
)
from commcentre_tui.repo.audit import record, snapshot
from commcentre_tui.repo.billing_queries import (
    RESUME,
    SUSPEND,
    active_product_ids,
    lock,
    products_by_id,
    suspension_changes,
    unused_number,
)
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.money import FormInput
from commcentre_tui.validation import parse_input

BECOME = "Become Subscriber"
ADD = "Add Services"
REMOVE = "Remove Services"
MANAGE = "Manage Subscription"
REMOVE_SERVICE: Final = "Remove Service"


def _unique(value: list[int]) -> list[int]:
    if len(set(value)) != len(value):
        raise ValueError("must not list the same service twice")
    return value


#: Catalogue product ids chosen in a form, each at most once.
ProductIds = Annotated[list[int], AfterValidator(_unique)]


class BecomeSubscriberInput(FormInput):
    """The Become Subscriber form: an account, recurring services and a start date."""

    account_id: int = Field(title="Account", gt=0)
    product_ids: ProductIds = Field(title="Services", min_length=1)
    start_date: date | None = Field(default=None, title="Start date")
    """Empty means today."""


class AddServicesInput(FormInput):
    """Add Services: recurring products to add from ``effective_date`` (default today)."""

    subscription_id: int = Field(title="Subscription", gt=0)
    product_ids: ProductIds = Field(title="Services", min_length=1)
    effective_date: date | None = Field(default=None, title="Effective date")
    expected_version: int | None = Field(default=None, title="Version")
    """The subscription version the form was opened on (stale → Conflict)."""


class RemoveServiceInput(FormInput):
    """Remove Services: the service, action type Remove Service, effective date."""

    subscription_service_id: int = Field(title="Service", gt=0)
    action_type: Literal["Remove Service"] = Field(default=REMOVE_SERVICE, title="Action type")
    effective_date: date | None = Field(default=None, title="Effective date")
    """The first day the service is no longer provided (nor billed); empty means today."""
    expected_version: int | None = Field(default=None, title="Version")


class ChangeStatusInput(FormInput):
    """Suspend or resume a subscription from ``effective_date`` (default today)."""

    subscription_id: int = Field(title="Subscription", gt=0)
    effective_date: date | None = Field(default=None, title="Effective date")
    reason: str = Field(default="", title="Reason", max_length=200)
    expected_version: int | None = Field(default=None, title="Version")


@dataclass(frozen=True)
class SubscriptionResult:
    """The subscription after the change."""

    subscription_id: int
    number: str
    status: str
    version: int
    service_ids: tuple[int, ...]
    """The services added or removed by this call."""
    message: str


def _recurring(session: Session, product_ids: list[int]) -> list[Product]:
    """The chosen catalogue products, each active and recurring (else a field error)."""
    found = products_by_id(session, product_ids)
    chosen: list[Product] = []
    for pid in product_ids:
        product = found.get(pid)
        if product is None:
            raise ValidationFailed(f"Service {pid} is not in the product catalogue.", "product_ids")
        if not product.active:
            raise ValidationFailed(f"{product.name} is no longer sold.", "product_ids")
        if product.kind != "recurring":
            raise ValidationFailed(
                f"{product.name} is a one-time product; choose recurring services.", "product_ids"
            )
        chosen.append(product)
    return chosen


def _check_effective(sub: Subscription, day: date, field: str = "effective_date") -> None:
    """A change must fall on or after the start and after the days already billed."""
    if day < sub.start_date:
        raise ValidationFailed(
            f"The effective date must be on or after the subscription start, {sub.start_date}.",
            field,
        )
    if sub.billed_until is not None and day <= sub.billed_until:
        raise RuleViolation(
            f"Subscription {sub.number} is already billed up to {sub.billed_until}; choose an "
            f"effective date from {sub.billed_until + timedelta(days=1)} on."
        )


def _locked(session: Session, subscription_id: int, expected: int | None) -> Subscription:
    sub = lock(session, Subscription, subscription_id, what="subscription")
    if expected is not None and sub.version != expected:
        raise Conflict(
            f"Another agent changed subscription {sub.number} while you were editing it; "
            "reload it and apply your change again."
        )
    return sub


def _event(
    session: Session, ctx: ServiceContext, sub_id: int, action: str, details: str, day: date
) -> None:
    session.add(
        SubscriptionEvent(
            subscription_id=sub_id,
            action=action,
            details=details[:400],
            effective_date=day,
            agent_id=ctx.actor.agent_id,
        )
    )


def _bump(session: Session, sub: Subscription, values: dict[str, Any]) -> Subscription:
    assert sub.id is not None
    return update_versioned(session, Subscription, sub.id, sub.version, values)


def become_subscriber(
    ctx: ServiceContext, data: BecomeSubscriberInput | Mapping[str, Any]
) -> SubscriptionResult:
    """Open a subscription on an account with one or more recurring catalogue services."""
    inp = parse_input(BecomeSubscriberInput, data)
    enforce(ctx.engine, ctx.actor, entity="subscription", level="edit", action=BECOME)
    start = inp.start_date or date.today()
    with transaction(ctx.engine) as session:
        account = session.get(Account, inp.account_id)
        if account is None:
            raise ValidationFailed(f"There is no account {inp.account_id}.", "account_id")
        if account.status != "active":
            raise RuleViolation(
                f"Account {account.number} is {account.status}; only active accounts can subscribe."
            )
        products = _recurring(session, inp.product_ids)
        number = unused_number(session, "subscription", col(Subscription.number))  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
        sub = Subscription(account_id=inp.account_id, number=number, start_date=start)
        session.add(sub)
        session.flush()
        assert sub.id is not None
        services = [
            SubscriptionService(
                subscription_id=sub.id,
                product_id=p.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
                price=p.price,
                start_date=start,
            )
            for p in products
        ]
        session.add_all(services)
        session.flush()
        names = ", ".join(p.name for p in products)
        _event(session, ctx, sub.id, BECOME, f"Services: {names}", start)
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=BECOME,
            entity="subscription",
            entity_id=sub.id,
            after={**(snapshot(sub) or {}), "services": [snapshot(s) for s in services]},
        )
        return SubscriptionResult(
            sub.id,
            number,
            sub.status,
            sub.version,
            tuple(s.id for s in services),  # type: ignore[misc]  # the row's id is typed int | None; it is flushed or loaded here
            f"Subscription {number} starts on {start} with {names}.",
        )


def add_services(
    ctx: ServiceContext, data: AddServicesInput | Mapping[str, Any]
) -> SubscriptionResult:
    """Add recurring services to a subscription from the effective date (priced from the catalogue)."""
    inp = parse_input(AddServicesInput, data)
    enforce(ctx.engine, ctx.actor, entity="subscription", level="edit", action=ADD)
    day = inp.effective_date or date.today()
    with transaction(ctx.engine) as session:
        sub = _locked(session, inp.subscription_id, inp.expected_version)
        if sub.status == "terminated":
            raise RuleViolation(f"Subscription {sub.number} is terminated.")
        _check_effective(sub, day)
        products = _recurring(session, inp.product_ids)
        present = active_product_ids(session, sub.id, day)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        for p in products:
            if p.id in present:
                raise ValidationFailed(
                    f"{p.name} is already on subscription {sub.number}.", "product_ids"
                )
        services = [
            SubscriptionService(
                subscription_id=sub.id,  # type: ignore[arg-type]  # a stored row: its id is set
                product_id=p.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
                price=p.price,
                start_date=day,
            )
            for p in products
        ]
        session.add_all(services)
        session.flush()
        names = ", ".join(p.name for p in products)
        _event(session, ctx, sub.id, ADD, f"Added: {names}", day)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        sub = _bump(session, sub, {})
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=ADD,
            entity="subscription",
            entity_id=sub.id,
            after={"services": [snapshot(s) for s in services]},
        )
        return SubscriptionResult(
            sub.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            sub.number,
            sub.status,
            sub.version,
            tuple(s.id for s in services),  # type: ignore[misc]  # the row's id is typed int | None; it is flushed or loaded here
            f"Added {names} to subscription {sub.number} from {day}.",
        )


def remove_service(
    ctx: ServiceContext, data: RemoveServiceInput | Mapping[str, Any]
) -> SubscriptionResult:
    """Remove Service: the service is no longer provided or billed from the effective date."""
    inp = parse_input(RemoveServiceInput, data)
    enforce(ctx.engine, ctx.actor, entity="subscription", level="edit", action=REMOVE)
    day = inp.effective_date or date.today()
    with transaction(ctx.engine) as session:
        found = session.get(SubscriptionService, inp.subscription_service_id)
        if found is None:
            raise NotFound(f"There is no subscription service {inp.subscription_service_id}.")
        sub = _locked(session, found.subscription_id, inp.expected_version)
        svc = lock(session, SubscriptionService, found.id, what="subscription service")  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        product = session.get(Product, svc.product_id)
        name = product.name if product else f"Service {svc.product_id}"
        if svc.status != "active":
            raise RuleViolation(f"{name} was already removed from subscription {sub.number}.")
        _check_effective(sub, day)
        if day < svc.start_date:
            raise ValidationFailed(
                f"The effective date must be on or after {svc.start_date}, when {name} started.",
                "effective_date",
            )
        before = snapshot(svc)
        svc.end_date = day - timedelta(days=1)
        svc.status = "removed"
        session.add(svc)
        session.flush()
        _event(session, ctx, sub.id, REMOVE_SERVICE, f"Removed: {name}", day)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        sub = _bump(session, sub, {})
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=REMOVE,
            entity="subscription_service",
            entity_id=svc.id,
            before=before,
            after=snapshot(svc),
        )
        return SubscriptionResult(
            sub.id,  # type: ignore[arg-type]  # a stored row: its id is set
            sub.number,
            sub.status,
            sub.version,
            (svc.id,),  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            f"{name} is removed from subscription {sub.number} from {day}.",
        )


def _change_status(
    ctx: ServiceContext, data: ChangeStatusInput | Mapping[str, Any], *, suspend: bool
) -> SubscriptionResult:
    inp = parse_input(ChangeStatusInput, data)
    enforce(ctx.engine, ctx.actor, entity="subscription", level="edit", action=MANAGE)
    day = inp.effective_date or date.today()
    want_from, want_to, verb = (
        ("active", "suspended", SUSPEND) if suspend else ("suspended", "active", RESUME)
    )
    with transaction(ctx.engine) as session:
        sub = _locked(session, inp.subscription_id, inp.expected_version)
        if sub.status != want_from:
            raise RuleViolation(
                f"Subscription {sub.number} is {sub.status}, so it cannot be "
                f"{'suspended' if suspend else 'resumed'}."
            )
        _check_effective(sub, day)
        changes = suspension_changes(session, sub.id)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        if changes and day < changes[-1][0]:
            raise ValidationFailed(
                f"The effective date must be on or after {changes[-1][0]}, the "
                "last suspend or resume.",
                "effective_date",
            )
        before = snapshot(sub, ("status", "version"))
        _event(session, ctx, sub.id, verb, inp.reason or verb, day)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        sub = _bump(session, sub, {"status": want_to})
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=f"{verb} Subscription",
            entity="subscription",
            entity_id=sub.id,
            before=before,
            after=snapshot(sub, ("status", "version")),
            detail=f"effective {day} {inp.reason}",
        )
        done = "suspended" if suspend else "resumed"
        return SubscriptionResult(
            sub.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            sub.number,
            sub.status,
            sub.version,
            (),
            f"Subscription {sub.number} is {done} from {day}.",
        )


def suspend_subscription(
    ctx: ServiceContext, data: ChangeStatusInput | Mapping[str, Any]
) -> SubscriptionResult:
    """Suspend: no service is billed from the effective date until a resume."""
    return _change_status(ctx, data, suspend=True)


def resume_subscription(
    ctx: ServiceContext, data: ChangeStatusInput | Mapping[str, Any]
) -> SubscriptionResult:
    """Resume a suspended subscription: billing restarts on the effective date."""
    return _change_status(ctx, data, suspend=False)
