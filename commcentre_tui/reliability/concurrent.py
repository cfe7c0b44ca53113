"""Scenario 2: 20 agents (processes or threads, each with its own engine) on the same 100 customers.

For ``seconds`` every agent repeatedly picks a customer (half the time one of ten "hot" ones, so
agents collide) and an action as an agent would do it through the services: read what the form
shows (with its version), then save —

* agents: Quick Search, Add More Information (street and work phone), Pay a Bill (part or all of
  an unpaid bill, naming the bill version the form showed), Post a Payment, Create a
  Communication (an email, saved at once or saved as a draft then completed);
* finance agents: searches, Pay a Bill, Post an Invoice, Post a Credit, Bill Subscriber (the next
  month) and communications.

A :class:`~commcentre_tui.comms.worker.DeliveryWorker` delivers the queue to a loopback SMTP sink
meanwhile. Every outcome is counted: ``ok``, ``conflict`` (an optimistic-lock
:class:`~commcentre_tui.errors.Conflict` the agent is shown), ``refused`` (a rule or validation
sentence), ``busy`` (SQLite only: the write waited past ``busy_timeout`` for the lock and nothing
was written) or ``error`` (anything else — a bug). Each agent logs what it saved successfully;
:mod:`.concurrent_checks` then proves the books, the contact edits, the bills and the
communications against those logs.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.config import Settings
from commcentre_tui.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from commcentre_tui.models import Subscription
from commcentre_tui.reliability.population import Customer, Population, populate
from commcentre_tui.reliability.worker_kill import Sink, database_url, unsettled, wait_until
from commcentre_tui.repo.customer_info import contact_info
from commcentre_tui.repo.db import make_engine, reading
from commcentre_tui.repo.finance_queries import unpaid_bills
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.search.api import Condition, search_contacts
from commcentre_tui.services import billing, communications, payments
from commcentre_tui.services.contact_info import save_contact_info
from commcentre_tui.services.context import ServiceContext

SUBJECT = "Reliability"
"""Subjects of the scenario's communications: ``Reliability <token>``, one token per attempt."""
AGENT_MIX = {"search": 30, "edit_contact": 25, "pay_bill": 20, "post_payment": 5, "communicate": 20}
FINANCE_MIX = {
    "search": 15,
    "pay_bill": 25,
    "post_invoice": 15,
    "post_credit": 10,
    "bill_subscriber": 15,
    "communicate": 20,
}
DRAIN_WAIT = 120.0


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


@dataclass
class ConcurrentReport:
    """Throughput, outcome counts and broken guarantees (``violations``, empty when all held)."""

    backend: str
    agents: int
    customers: int
    seconds: float = 0.0
    drain_seconds: float = 0.0
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    delivered: int = 0
    violations: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    """The first few unexpected errors in full (for whoever investigates a violation)."""

    def total(self, outcome: str | None = None) -> int:
        return sum(
            n for per in self.outcomes.values() for o, n in per.items() if outcome in (None, o)
        )

    @property
    def actions(self) -> int:
        return self.total()

    @property
    def conflicts(self) -> int:
        return self.total("conflict")

    @property
    def per_s(self) -> float:
        return round(self.actions / self.seconds, 1) if self.seconds else 0.0


# --- the actions (each as an agent does it: read the form, then save) ---------------------------


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


# --- running ---------------------------------------------------------------------------------------


def busy(exc: BaseException) -> bool:
    """A SQLite write that waited longer than ``busy_timeout`` for the database lock (the action
    failed and the agent is told; nothing was written). Never expected on PostgreSQL."""
    from sqlalchemy.exc import OperationalError

    from commcentre_tui.repo.db import DatabaseError

    if isinstance(exc, DatabaseError):
        return "locked" in str(exc).lower() or "busy" in str(exc).lower()
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def _agent(
    index: int,
    url: str,
    settings: Settings,
    actor: Actor,
    customers: list[Customer],
    start: Any,
    seconds: float,
    seed: int,
    log: AgentLog,
) -> None:
    """One agent's working loop, from ``start`` (an event) for ``seconds``."""
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, settings=settings, actor=actor)
    rng = random.Random(seed * 1000 + index)
    mix = AGENT_MIX if actor.role_name == "agent" else FINANCE_MIX
    kinds, weights = list(mix), list(mix.values())
    hot = customers[:10]
    seq = 0
    try:
        if not start.wait(DRAIN_WAIT):
            return
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            customer = rng.choice(hot if rng.random() < 0.5 else customers)
            seq += 1
            token = f"a{index:02d}n{seq:05d}"
            try:
                ACTIONS[kind](ctx, customer, rng, token, log)
                outcome = "ok"
            except Conflict:
                outcome = "conflict"
            except (RuleViolation, ValidationFailed, NotFound):
                outcome = "refused"
            except Exception as exc:  # noqa: BLE001 - every other failure is a finding
                outcome = "busy" if busy(exc) else "error"
                if outcome == "error" and len(log.errors) < 5:
                    log.errors.append(f"{kind}: {type(exc).__name__}: {exc}".splitlines()[0][:300])
                    log.tracebacks.append(traceback.format_exc())
            log.tally[(kind, outcome)] += 1
    finally:
        engine.dispose()


def _agent_process(
    index: int,
    url: str,
    settings: Settings,
    actor: Actor,
    customers: list[Customer],
    start: Any,
    seconds: float,
    seed: int,
    results: Any,
) -> None:
    log = AgentLog()
    try:
        _agent(index, url, settings, actor, customers, start, seconds, seed, log)
    finally:
        results.put((index, log))


class _Agents:
    """The agents as processes (one per console, as in production: ``fork``) or threads."""

    def __init__(
        self,
        population: Population,
        url: str,
        settings: Settings,
        seconds: float,
        seed: int,
        processes: bool,
    ) -> None:
        n = len(population.actors)
        self.logs = [AgentLog() for _ in range(n)]
        self.processes = processes
        common = (url, settings)
        if processes:
            mp = multiprocessing.get_context("fork")
            self.start_event: Any = mp.Event()
            self.results: Any = mp.Queue()
            self.runners: list[Any] = [
                mp.Process(
                    target=_agent_process,
                    name=f"agent-{i}",
                    daemon=True,
                    args=(
                        i,
                        *common,
                        actor,
                        population.customers,
                        self.start_event,
                        seconds,
                        seed,
                        self.results,
                    ),
                )
                for i, actor in enumerate(population.actors)
            ]
        else:
            self.start_event = threading.Event()
            self.runners = [
                threading.Thread(
                    target=_agent,
                    name=f"agent-{i}",
                    daemon=True,
                    args=(
                        i,
                        *common,
                        actor,
                        population.customers,
                        self.start_event,
                        seconds,
                        seed,
                        self.logs[i],
                    ),
                )
                for i, actor in enumerate(population.actors)
            ]
        for runner in self.runners:
            runner.start()

    def go(self) -> None:
        self.start_event.set()

    def finish(self, timeout: float) -> list[str]:
        """Wait for every agent; their logs land in :attr:`logs`. Problems as sentences."""
        problems = []
        deadline = time.monotonic() + timeout
        if self.processes:
            for _ in self.runners:
                try:
                    index, log = self.results.get(timeout=max(0.1, deadline - time.monotonic()))
                except queue.Empty:
                    problems.append("An agent process never reported back.")
                    break
                self.logs[index] = log
        for runner in self.runners:
            runner.join(max(0.1, deadline - time.monotonic()))
            if runner.is_alive():
                problems.append(f"Agent {runner.name} was still working long after the run ended.")
            elif self.processes and runner.exitcode != 0:
                problems.append(f"Agent {runner.name} exited with {runner.exitcode}.")
        return problems


def run_concurrent_agents(
    engine: Engine,
    settings: Settings,
    sink: Sink,
    *,
    seconds: float,
    agents: int = 20,
    customers: int = 100,
    seed: int = 1,
    processes: bool = True,
) -> ConcurrentReport:
    """Populate, run ``agents`` agents for ``seconds`` with the worker delivering, then verify.

    ``processes`` runs each agent in its own process (as each console is), else in a thread.
    """
    from commcentre_tui.reliability.concurrent_checks import verify

    population: Population = populate(engine, settings, customers=customers, agents=agents)
    url = database_url(engine)
    crew = _Agents(population, url, settings, seconds, seed, processes)  # before any thread of ours
    worker_settings = settings.model_copy(
        update={
            "email": settings.email.model_copy(
                update={"host": "127.0.0.1", "port": sink.port, "starttls": False, "username": ""}
            ),
            "worker": settings.worker.model_copy(
                update={"backoff_seconds": 0, "poll_seconds": 0.05}
            ),
        }
    )
    worker_engine = make_engine(url)
    worker = DeliveryWorker(worker_engine, worker_settings, name="reliability-worker")
    worker_errors: list[BaseException] = []

    def deliver() -> None:
        try:
            worker.run_blocking()
        except BaseException as exc:  # noqa: BLE001 - reported as a violation
            worker_errors.append(exc)

    delivery = threading.Thread(target=deliver, name="delivery-worker", daemon=True)
    delivery.start()
    report = ConcurrentReport(
        engine.dialect.name, len(population.actors), len(population.customers)
    )
    try:
        crew.go()
        began = time.perf_counter()
        report.violations += crew.finish(seconds + DRAIN_WAIT)
        report.seconds = time.perf_counter() - began
        drained = wait_until(lambda: unsettled(engine) == 0, DRAIN_WAIT)
        report.drain_seconds = time.perf_counter() - began - report.seconds
        if not drained:
            report.violations.append(
                f"{unsettled(engine)} communications were still undelivered "
                f"{DRAIN_WAIT:.0f} s after the agents stopped."
            )
    finally:
        worker.request_stop()
        delivery.join(DRAIN_WAIT)
        worker_engine.dispose()
    if worker_errors:
        report.violations.append(f"The delivery worker failed: {worker_errors[0]!r}")
    logs = crew.logs
    tally: Counter[tuple[str, str]] = sum((log.tally for log in logs), Counter())
    for (kind, outcome), n in sorted(tally.items()):
        report.outcomes.setdefault(kind, {})[outcome] = n
    report.tracebacks = [t for log in logs for t in log.tracebacks][:3]
    verify(engine, population, logs, sink, report)
    return report


def outcome_table(report: ConcurrentReport) -> str:
    """Outcomes per action, one line each (for test output and the bench's notes)."""
    lines = []
    for kind, per in sorted(report.outcomes.items()):
        lines.append(f"{kind:16} " + ", ".join(f"{o} {n}" for o, n in sorted(per.items())))
    return "\n".join(lines)


def as_row(report: ConcurrentReport) -> dict[str, Any]:
    """The bench's result shape."""
    return {
        "n": report.actions,
        "per_s": report.per_s,
        "seconds": round(report.seconds, 1),
        "agents": report.agents,
        "conflicts": report.conflicts,
        "refused": report.total("refused"),
        "busy": report.total("busy"),
        "errors": report.total("error"),
        "delivered": report.delivered,
        "violations": len(report.violations),
    }
