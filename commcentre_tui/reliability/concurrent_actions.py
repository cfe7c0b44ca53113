"""The concurrent-agents scenario's actions, each done as an agent does it (read the form, then
save), and what each agent logs of them."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from commcentre_tui.models import Subscription
from commcentre_tui.reliability.population import Customer
from commcentre_tui.repo.customer_info import contact_info
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.finance_queries import unpaid_bills
from commcentre_tui.repo.search.api import Condition, search_contacts
from commcentre_tui.services import billing, communications, payments
from commcentre_tui.services.contact_info import save_contact_info
from commcentre_tui.services.context import ServiceContext

SUBJECT = "Reliability"
"""Subjects of the scenario's communications: ``Reliability <token>``, one token per attempt."""


@dataclass
class AgentLog:
    """What one agent saved successfully, and how each of its actions ended."""

    edits: list[tuple[int, int, str, str]] = field(default_factory=list)
    """(contact id, version saved, street, work phone)"""
    payments: list[tuple[int, int | None, Decimal]] = field(default_factory=list)
    """(account id, bill id or None, amount)"""
    invoices: list[tuple[int, Decimal]] = field(default_factory=list)
    credits: list[tuple[int, Decimal]] = field(default_factory=list)
    bills: list[tuple[int, int, Decimal]] = field(default_factory=list)
    """(account id, bill id, amount)"""
    comms: dict[str, int] = field(default_factory=dict)
    """token → id of a communication saved (queued)"""
    drafts: dict[str, int] = field(default_factory=dict)
    """token → id of a draft saved but never completed"""
    tally: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)).scaleb(-2)


def search(ctx: ServiceContext, c: Customer, rng: random.Random, token: str, log: AgentLog) -> None:
    value = rng.choice((c.customer_number, c.mobile))
    page = search_contacts(ctx.engine, ctx.settings, [Condition("any", "=", value)])
    if c.contact_id not in {hit.contact_id for hit in page.hits}:
        raise AssertionError(f"Quick Search for {value} did not find customer {c.customer_number}.")


def edit_contact(
    ctx: ServiceContext, c: Customer, rng: random.Random, token: str, log: AgentLog
) -> None:
    info = contact_info(ctx.engine, c.contact_id)
    street = f"{token} Street"
    work = f"+35722{token[1:3]}{token[-4:]}"  # unique per agent and attempt
    phones = [replace(p, number=work, e164=None) if p.kind == "work" else p for p in info.phones]
    addresses = [replace(a, street=street) if a.is_primary else a for a in info.addresses]
    saved = save_contact_info(
        ctx, c.contact_id, info.version, phones=phones, emails=info.emails, addresses=addresses
    )
    log.edits.append((c.contact_id, saved.version, street, work))


def pay_bill(
    ctx: ServiceContext, c: Customer, rng: random.Random, token: str, log: AgentLog
) -> None:
    bills = unpaid_bills(ctx.engine, account_id=c.account_id)
    if not bills:
        post_payment(ctx, c, rng, token, log)
        return
    bill = rng.choice(bills)
    outstanding = int((bill.amount - bill.paid_amount) * 100)
    amount = None if rng.random() < 0.3 else str(_amount(rng, 1, outstanding))
    result = payments.pay_bill(
        ctx,
        {"bill_id": bill.id, "amount": amount, "method": "card", "expected_version": bill.version},
    )
    log.payments.append((c.account_id, bill.id, result.amount))


def post_payment(
    ctx: ServiceContext, c: Customer, rng: random.Random, token: str, log: AgentLog
) -> None:
    amount = _amount(rng, 100, 2000)
    payments.post_payment(
        ctx, {"account_id": c.account_id, "amount": str(amount), "reference": token}
    )
    log.payments.append((c.account_id, None, amount))


def post_invoice(
    ctx: ServiceContext, c: Customer, rng: random.Random, token: str, log: AgentLog
) -> None:
    amount = _amount(rng, 100, 5000)
    payments.post_invoice(
        ctx, {"account_id": c.account_id, "amount": str(amount), "description": f"Router {token}"}
    )
    log.invoices.append((c.account_id, amount))


def post_credit(
    ctx: ServiceContext, c: Customer, rng: random.Random, token: str, log: AgentLog
) -> None:
    amount = _amount(rng, 50, 1500)
    payments.post_credit(
        ctx, {"account_id": c.account_id, "amount": str(amount), "reason": f"Goodwill {token}"}
    )
    log.credits.append((c.account_id, amount))


def _month_end(day: date) -> date:
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


def bill_subscriber(
    ctx: ServiceContext, c: Customer, rng: random.Random, token: str, log: AgentLog
) -> None:
    with reading(ctx.engine) as session:
        sub = session.get(Subscription, c.subscription_id)
        assert sub is not None and sub.billed_until is not None
    as_of = _month_end(sub.billed_until + timedelta(days=1))
    result = billing.bill_subscriber(ctx, {"subscription_id": c.subscription_id, "as_of": as_of})
    log.bills.append((c.account_id, result.bill_id, result.preview.amount))


def communicate(
    ctx: ServiceContext, c: Customer, rng: random.Random, token: str, log: AgentLog
) -> None:
    data = {
        "contact_id": c.contact_id,
        "direction": "outgoing",
        "media": "email",
        "subject": f"{SUBJECT} {token}",
        "content": f"Dear customer,\n\nmessage {token}.\n",
    }
    if rng.random() < 0.3:  # Save as Draft, reopen, Save
        draft = communications.create_communication(ctx, data, draft=True)
        assert draft.id is not None
        log.drafts[token] = draft.id
        saved = communications.complete_communication(ctx, draft.id)
        del log.drafts[token]
    else:
        saved = communications.create_communication(ctx, data)
    assert saved.id is not None
    log.comms[token] = saved.id


ACTIONS = {
    f.__name__: f
    for f in (
        search,
        edit_contact,
        pay_bill,
        post_payment,
        post_invoice,
        post_credit,
        bill_subscriber,
        communicate,
    )
}
