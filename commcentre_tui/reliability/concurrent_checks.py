"""The guarantees checked after the concurrent-agents scenario (:mod:`.concurrent`).

Each check compares the database with what the agents were told succeeded:

* **no unexpected errors** — every failure an agent met was a Conflict or a refusal sentence;
* **no lost update** — per customer, every successful Add More Information saved a different
  version, the contact's version is 1 + their number, one audit entry each, and what is stored
  is what the save with the highest version wrote (a later versioned save superseded the rest);
* **the books** — each account's balance = opening + invoices + bills − payments − credits the
  agents were told about = the ledger; each bill's paid amount = its payments (never more than
  the bill), its status follows; payments stored = payments confirmed;
* **billing** — each subscription's bills cover contiguous, non-overlapping periods (no month
  billed twice), ``billed_until`` is the last one;
* **communications** — one row per token saved, none twice, none unaccounted for; every one
  delivered (``sent``) and received by the SMTP sink exactly once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from commcentre_tui import models as m
from commcentre_tui.reliability.population import Population
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.finance_queries import ledger_balance, wallet_ledger_balance

if TYPE_CHECKING:
    from commcentre_tui.reliability.concurrent import ConcurrentReport
    from commcentre_tui.reliability.concurrent_actions import AgentLog
    from commcentre_tui.reliability.worker_kill import Sink

ZERO = Decimal("0.00")


def verify(
    engine: Engine,
    population: Population,
    logs: list[AgentLog],
    sink: Sink,
    report: ConcurrentReport,
) -> None:
    """Append a sentence to ``report.violations`` for every broken guarantee."""
    errors = [e for log in logs for e in log.errors]
    if report.total("error"):
        report.violations.append(
            f"{report.total('error')} actions failed unexpectedly, e.g. {errors[:3]}."
        )
    with reading(engine) as session:
        report.violations += _contacts(session, population, logs)
        report.violations += _books(session, population, logs)
        report.violations += _billing(session, population)
        report.violations += _communications(session, logs, sink, report)


def _contacts(session: Session, population: Population, logs: list[AgentLog]) -> list[str]:
    out: list[str] = []
    edits: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for log in logs:
        for contact_id, version, street, work in log.edits:
            edits[contact_id].append((version, street, work))
    audits: dict[int, int] = dict(
        session.execute(
            select(col(m.AuditEntry.entity_id), func.count())
            .where(
                col(m.AuditEntry.action) == "Add More Information",
                col(m.AuditEntry.entity) == "contact",
            )
            .group_by(col(m.AuditEntry.entity_id))
        )
        .tuples()
        .all()
    )
    for c in population.customers:
        saved = sorted(edits.get(c.contact_id, []))
        contact = session.get(m.Contact, c.contact_id)
        assert contact is not None
        versions = [v for v, _s, _w in saved]
        if len(set(versions)) != len(versions):
            out.append(
                f"Two saves of customer {c.customer_number} both succeeded from the same version "
                "(a lost update)."
            )
        if contact.version != 1 + len(saved):
            out.append(
                f"Customer {c.customer_number} is at version {contact.version} after "
                f"{len(saved)} successful saves."
            )
        if audits.get(c.contact_id, 0) != len(saved):
            out.append(
                f"Customer {c.customer_number} has {audits.get(c.contact_id, 0)} audit entries "
                f"for {len(saved)} saves."
            )
        if not saved:
            continue
        _v, street, work = saved[-1]
        streets = {
            a.street
            for a in session.execute(
                select(m.ContactAddress).where(
                    col(m.ContactAddress.contact_id) == c.contact_id,
                    col(m.ContactAddress.is_primary),
                )
            ).scalars()
        }
        phones = {
            p.number
            for p in session.execute(
                select(m.ContactPhone).where(
                    col(m.ContactPhone.contact_id) == c.contact_id,
                    col(m.ContactPhone.kind) == "work",
                )
            ).scalars()
        }
        if streets != {street} or phones != {work}:
            out.append(
                f"Customer {c.customer_number} shows {streets} / {phones}, not the latest save "
                f"{street} / {work}."
            )
    return out


def _books(session: Session, population: Population, logs: list[AgentLog]) -> list[str]:
    out: list[str] = []
    moves: dict[int, Decimal] = defaultdict(lambda: ZERO)
    confirmed: Counter[int] = Counter()
    by_bill: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for log in logs:
        for account_id, bill_id, amount in log.payments:
            moves[account_id] -= amount
            confirmed[account_id] += 1
            if bill_id is not None:
                by_bill[bill_id] += amount
        for account_id, amount in log.invoices:
            moves[account_id] += amount
        for account_id, amount in log.credits:
            moves[account_id] -= amount
        for account_id, _bill, amount in log.bills:
            moves[account_id] += amount
    for c in population.customers:
        account = session.get(m.Account, c.account_id)
        assert account is not None
        opening = (
            session.execute(
                select(func.sum(col(m.Bill.amount))).where(
                    col(m.Bill.account_id) == c.account_id, col(m.Bill.number).like("RCB%")
                )
            ).scalar_one()
            or ZERO
        )
        expected = opening + moves[c.account_id]
        if account.balance != expected:
            out.append(
                f"Account {account.number} balance {account.balance} ≠ {expected} from the "
                "actions confirmed to agents."
            )
        ledger = ledger_balance(session, c.account_id)
        if account.balance != ledger:
            out.append(f"Account {account.number} balance {account.balance} ≠ its ledger {ledger}.")
        stored = session.execute(
            select(func.count())
            .select_from(m.Payment)
            .where(col(m.Payment.account_id) == c.account_id)
        ).scalar_one()
        if stored != confirmed[c.account_id]:
            out.append(
                f"Account {account.number} has {stored} payments; agents were told of "
                f"{confirmed[c.account_id]}."
            )
        for wallet in session.execute(
            select(m.Wallet).where(col(m.Wallet.account_id) == c.account_id)
        ).scalars():
            if wallet.balance != wallet_ledger_balance(session, wallet.id):
                out.append(f"A wallet of account {account.number} differs from its transactions.")
        for bill in session.execute(
            select(m.Bill).where(col(m.Bill.account_id) == c.account_id)
        ).scalars():
            paid = (
                session.execute(
                    select(func.sum(col(m.Payment.amount))).where(col(m.Payment.bill_id) == bill.id)
                ).scalar_one()
                or ZERO
            )
            status = (
                "paid"
                if bill.paid_amount == bill.amount
                else "partly_paid"
                if bill.paid_amount > 0
                else "unpaid"
            )
            if not (
                bill.paid_amount == paid == by_bill[bill.id]
                and ZERO <= bill.paid_amount <= bill.amount
                and bill.amount == bill.subtotal + bill.tax
                and bill.status == status
            ):
                out.append(
                    f"Bill {bill.number}: amount {bill.amount}, paid {bill.paid_amount} "
                    f"({bill.status}), payments {paid}, confirmed {by_bill[bill.id]}."
                )
    return out


def _billing(session: Session, population: Population) -> list[str]:
    out: list[str] = []
    for c in population.customers:
        sub = session.get(m.Subscription, c.subscription_id)
        assert sub is not None
        bills = (
            session.execute(
                select(m.Bill)
                .where(col(m.Bill.subscription_id) == sub.id)
                .order_by(col(m.Bill.period_start))
            )
            .scalars()
            .all()
        )
        for before, after in zip(bills, bills[1:], strict=False):
            if (after.period_start - before.period_end).days != 1:
                out.append(
                    f"Subscription {sub.number}: bills {before.number} and {after.number} "
                    "overlap or leave a gap."
                )
        if bills and sub.billed_until != bills[-1].period_end:
            out.append(
                f"Subscription {sub.number} says billed until {sub.billed_until}; its last bill "
                f"ends {bills[-1].period_end}."
            )
    return out


def _communications(
    session: Session, logs: list[AgentLog], sink: Sink, report: ConcurrentReport
) -> list[str]:
    out: list[str] = []
    saved = {token: cid for log in logs for token, cid in log.comms.items()}
    drafts = {token: cid for log in logs for token, cid in log.drafts.items()}
    c = m.Communication
    rows = session.execute(
        select(col(c.id), col(c.subject), col(c.state), col(c.delivery)).where(
            col(c.subject).like(f"{'Reliability'} %")
        )
    ).all()
    per_token = Counter(subject.split(" ", 1)[1] for _id, subject, _s, _d in rows)
    twice = sorted(t for t, n in per_token.items() if n > 1)
    if twice:
        out.append(f"{len(twice)} communications were stored twice, e.g. {twice[:3]}.")
    unaccounted = sorted(set(per_token) - set(saved) - set(drafts))
    if unaccounted:
        out.append(
            f"{len(unaccounted)} communications exist that no agent was told were saved, "
            f"e.g. {unaccounted[:3]}."
        )
    missing = sorted(set(saved) - set(per_token))
    if missing:
        out.append(f"{len(missing)} saved communications are missing, e.g. {missing[:3]}.")
    undelivered = [
        cid
        for cid, _subj, state, delivery in rows
        if cid in set(saved.values()) and (state, delivery) != ("completed", "sent")
    ]
    if undelivered:
        out.append(
            f"{len(undelivered)} saved communications were not delivered, e.g. {undelivered[:3]}."
        )
    received = Counter(sink.communication_ids())
    report.delivered = sum(1 for cid in saved.values() if received[cid])
    wrong = [cid for cid in saved.values() if received[cid] != 1]
    if wrong:
        out.append(
            f"{len(wrong)} communications did not arrive exactly once, e.g. "
            f"{[(cid, received[cid]) for cid in wrong[:3]]}."
        )
    extra = sorted(set(received) - set(saved.values()))
    if extra:
        out.append(f"The sink received {len(extra)} messages no agent saved, e.g. {extra[:3]}.")
    return out
