"""Scenario 2: 20 agents (processes or threads, each with its own engine) on the same 100 customers.

For ``seconds`` every agent repeatedly picks a customer (half the time one of ten "hot" ones, so
agents collide) and an action as an agent would do it through the services: read what the form
shows (with its version), then save —

* agents: Quick Search, Add More Information (street and work phone), Pay a Bill (part or all of
  an unpaid bill, naming the bill version the form showed), Post a Payment, Create a
  Communication (an email, saved at once or saved as a draft then completed);
* finance agents: searches, Pay a Bill, Post an Invoice, Post a Credit, Bill Subscriber (the next
  month) and communications.

The actions themselves are in :mod:`.concurrent_actions`. A
:class:`~commcentre_tui.comms.worker.DeliveryWorker` delivers the queue to a loopback SMTP sink
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
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.config import Settings
from commcentre_tui.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from commcentre_tui.reliability.concurrent_actions import ACTIONS, AgentLog
from commcentre_tui.reliability.population import Customer, Population, populate
from commcentre_tui.reliability.worker_kill import Sink, database_url, unsettled, wait_until
from commcentre_tui.repo.db import make_engine
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.context import ServiceContext

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
