"""Bill Subscriber: Preview Bill (writes nothing) and Submit (posts the bill once).

The rules (also in ``docs/finance.md``):

- **Period.** A bill covers every unbilled day of the subscription: from the day after
  ``billed_until`` (or the start date) through the *Bill As Of Date*, split at calendar-month
  boundaries. Billing as of a day already billed is refused; to bill a whole month, bill as of
  its last day.
- **Proration.** For each month segment and each service, the charged days are the days the
  service is on the subscription (``start_date`` … ``end_date``) and the subscription is not
  suspended. A line is ``price × charged days / days in that month``; a whole month is exactly
  ``price``.
- **Tax and rounding.** Each line amount is rounded once to cents by ``[billing] rounding``; its
  tax is ``line amount × [billing] tax_rate`` rounded once. Subtotal, tax and amount are sums of
  rounded line values and are never rounded again, so ``amount = subtotal + tax`` exactly.
- **Balance.** ``previous_balance`` is the account balance before this bill; posting raises the
  balance by ``amount``. A bill of 0.00 is posted as ``paid``.
"""

from __future__ import annotations

from bisect import bisect_right
from calendar import monthrange
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator
from sqlmodel import Session

from commcentre_tui.config import Settings
from commcentre_tui.errors import NotFound, RuleViolation
from commcentre_tui.models import (
    Account,
    Bill,
    BillLine,
    Product,
    Subscription,
    SubscriptionEvent,
    SubscriptionService,
)
from commcentre_tui.repo.audit import record, snapshot
from commcentre_tui.repo.billing_queries import (
    add_to_balance,
    lock,
    services_for_billing,
    suspension_changes,
    unused_number,
)
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.money import (
    ZERO,
    FormInput,
    format_money,
    line_tax,
    month_fraction,
    prorate,
    rounding_rule,
    tax_rate,
)
from commcentre_tui.validation import parse_input

ACTION = "Bill Subscriber"
ONE_DAY = timedelta(days=1)
#: How far ahead a bill may be made (a later date is a typing slip, and near year 9999 the
#: calendar arithmetic itself would overflow).
BILL_AHEAD = timedelta(days=366)


class BillInput(FormInput):
    """The Bill Subscriber form: the subscription and the Bill As Of Date (default today)."""

    subscription_id: int = Field(title="Subscription", gt=0)
    as_of: date | None = Field(default=None, title="Bill As Of Date")

    @field_validator("as_of")
    @classmethod
    def _not_far_ahead(cls, value: date | None) -> date | None:
        if value is not None and value > date.today() + BILL_AHEAD:
            raise ValueError("can be at most a year from today")
        return value


@dataclass(frozen=True)
class PreviewLine:
    """One bill line: a service for the charged days of one calendar month."""

    service_id: int
    product_id: int
    description: str
    period_start: date
    period_end: date
    days: int
    month_days: int
    quantity: Decimal
    """``days / month_days`` to four places (display only; never used to compute money)."""
    unit_price: Decimal
    amount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class BillPreview:
    """What Submit would post (nothing is written to compute it)."""

    subscription_id: int
    subscription_number: str
    account_id: int
    account_number: str
    currency: str
    period_start: date
    period_end: date
    bill_date: date
    due_date: date
    lines: tuple[PreviewLine, ...]
    subtotal: Decimal
    tax: Decimal
    amount: Decimal
    previous_balance: Decimal

    @property
    def total_due(self) -> Decimal:
        """The account balance once this bill is posted."""
        return self.previous_balance + self.amount


@dataclass(frozen=True)
class BillResult:
    """The posted bill."""

    bill_id: int
    number: str
    status: str
    account_balance: Decimal
    preview: BillPreview
    message: str


# --- the arithmetic (pure) --------------------------------------------------------------------


def month_segments(start: date, end: date) -> Iterator[tuple[date, date, int]]:
    """``(first, last, days in month)`` for each calendar month touched by ``start…end``."""
    day = start
    while day <= end:
        month_days = monthrange(day.year, day.month)[1]
        last = min(date(day.year, day.month, month_days), end)
        yield day, last, month_days
        day = last + ONE_DAY


def _suspended(days: Sequence[date], changes: Sequence[tuple[date, bool]], day: date) -> bool:
    """Whether the latest suspend/resume in effect on ``day`` is a suspend (``days``: their dates)."""
    i = bisect_right(days, day)
    return i > 0 and changes[i - 1][1]


def compute_lines(
    services: Sequence[tuple[SubscriptionService, Product]],
    changes: Sequence[tuple[date, bool]],
    start: date,
    end: date,
    rate: Decimal,
    rule: str,
) -> list[PreviewLine]:
    """The bill lines for ``start…end``: per month, per service, prorated by charged days."""
    lines: list[PreviewLine] = []
    change_days = [d for d, _ in changes]
    for seg_start, seg_end, month_days in month_segments(start, end):
        for svc, product in services:
            first = max(seg_start, svc.start_date)
            last = min(seg_end, svc.end_date or seg_end)
            days = (
                sum(
                    1
                    for n in range((last - first).days + 1)
                    if not _suspended(change_days, changes, first + timedelta(days=n))
                )
                if first <= last
                else 0
            )
            if days == 0:
                continue
            amount = prorate(svc.price, days, month_days, rule)
            part = "" if days == month_days else f" ({days} of {month_days} days)"
            lines.append(
                PreviewLine(
                    service_id=svc.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
                    product_id=product.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
                    description=f"{product.name}, {seg_start.isoformat()} – {seg_end.isoformat()}{part}",
                    period_start=seg_start,
                    period_end=seg_end,
                    days=days,
                    month_days=month_days,
                    quantity=month_fraction(days, month_days),
                    unit_price=svc.price,
                    amount=amount,
                    tax=line_tax(amount, rate, rule),
                )
            )
    return lines


def _compute(session: Session, settings: Settings, sub: Subscription, as_of: date) -> BillPreview:
    """The bill for ``sub`` as of ``as_of``, or a refusal sentence."""
    if as_of < sub.start_date:
        raise RuleViolation(
            f"Subscription {sub.number} starts on {sub.start_date}; choose a Bill "
            "As Of Date on or after it."
        )
    if sub.billed_until is not None and as_of <= sub.billed_until:
        raise RuleViolation(
            f"Subscription {sub.number} is already billed up to {sub.billed_until}; the next bill "
            f"can be as of {sub.billed_until + ONE_DAY} or later."
        )
    start = sub.billed_until + ONE_DAY if sub.billed_until else sub.start_date
    account = session.get(Account, sub.account_id)
    assert account is not None and sub.id is not None and account.id is not None
    lines = compute_lines(
        services_for_billing(session, sub.id),
        suspension_changes(session, sub.id),
        start,
        as_of,
        tax_rate(settings),
        rounding_rule(settings),
    )
    subtotal = sum((ln.amount for ln in lines), ZERO)
    tax = sum((ln.tax for ln in lines), ZERO)
    return BillPreview(
        subscription_id=sub.id,
        subscription_number=sub.number,
        account_id=account.id,
        account_number=account.number,
        currency=account.currency,
        period_start=start,
        period_end=as_of,
        bill_date=as_of,
        due_date=as_of + timedelta(days=account.payment_terms_days),
        lines=tuple(lines),
        subtotal=subtotal,
        tax=tax,
        amount=subtotal + tax,
        previous_balance=account.balance,
    )


# --- the services -----------------------------------------------------------------------------


def preview_bill(ctx: ServiceContext, data: BillInput | Mapping[str, Any]) -> BillPreview:
    """Preview Bill: the lines, tax and totals Submit would post; writes nothing."""
    inp = parse_input(BillInput, data)
    enforce(ctx.engine, ctx.actor, entity="bill", level="view", action=ACTION)
    with reading(ctx.engine) as session:
        sub = session.get(Subscription, inp.subscription_id)
        if sub is None:
            raise NotFound(f"There is no subscription with id {inp.subscription_id}.")
        return _compute(session, ctx.settings, sub, inp.as_of or date.today())


def bill_subscriber(ctx: ServiceContext, data: BillInput | Mapping[str, Any]) -> BillResult:
    """Submit: post the bill once, move ``billed_until`` and raise the account balance."""
    inp = parse_input(BillInput, data)
    enforce(ctx.engine, ctx.actor, entity="bill", level="edit", action=ACTION)
    with transaction(ctx.engine) as session:
        sub = lock(session, Subscription, inp.subscription_id, what="subscription")
        lock(session, Account, sub.account_id, what="account")
        preview = _compute(session, ctx.settings, sub, inp.as_of or date.today())
        number = unused_number(session, "bill", Bill.number)  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
        bill = Bill(
            account_id=preview.account_id,
            subscription_id=preview.subscription_id,
            number=number,
            period_start=preview.period_start,
            period_end=preview.period_end,
            bill_date=preview.bill_date,
            due_date=preview.due_date,
            previous_balance=preview.previous_balance,
            subtotal=preview.subtotal,
            tax=preview.tax,
            amount=preview.amount,
            status="paid" if preview.amount == ZERO else "unpaid",
        )
        session.add(bill)
        session.flush()
        session.add_all(
            BillLine(
                bill_id=bill.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
                description=ln.description[:200],
                product_id=ln.product_id,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                amount=ln.amount,
                tax=ln.tax,
            )
            for ln in preview.lines
        )
        balance = add_to_balance(session, preview.account_id, preview.amount)
        before = snapshot(sub, ("billed_until", "version"))
        sub = update_versioned(
            session,
            Subscription,
            sub.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            sub.version,
            {"billed_until": preview.period_end},
        )
        session.add(
            SubscriptionEvent(
                subscription_id=sub.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
                action=ACTION,
                effective_date=preview.bill_date,
                details=f"Bill {number}: {preview.period_start} – {preview.period_end}, "
                f"{format_money(preview.amount, preview.currency)}",
                agent_id=ctx.actor.agent_id,
            )
        )
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=ACTION,
            entity="bill",
            entity_id=bill.id,
            before={"subscription": before, "account_balance": str(preview.previous_balance)},
            after={
                **(snapshot(bill) or {}),
                "lines": len(preview.lines),
                "subscription": snapshot(sub, ("billed_until", "version")),
                "account_balance": str(balance),
            },
        )
        assert bill.id is not None
        return BillResult(
            bill_id=bill.id,
            number=number,
            status=bill.status,
            account_balance=balance,
            preview=preview,
            message=(
                f"Bill {number} posted for {preview.period_start} – {preview.period_end}: "
                f"{format_money(preview.amount, preview.currency)}; account balance "
                f"{format_money(balance, preview.currency)}."
            ),
        )
