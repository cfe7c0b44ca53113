"""Scenario 3: the delivery worker SIGKILLed at random points of a batch, then restarted.

:func:`run_worker_kills` queues ``messages`` emails, starts ``commcentre worker`` as a real
process against a loopback SMTP sink, and kills it (SIGKILL) each time the sink has received a
randomly chosen number of messages — mid-window, so some messages were handed over but never
acknowledged, and, when the next kill point is already passed, right after start-up (during
recovery or the first claim). After the last kill a worker runs until every entry is settled.
Then (see :func:`verify`):

* no message arrived twice, and nothing arrived that was not queued;
* every entry is ``sent`` (arrived exactly once, with the Message-ID of its recorded attempt) or
  ``failed`` with a reason ("Delivery uncertain …" for the ones in flight at a kill);
* nothing is left ``queued`` or ``sending`` — on PostgreSQL the dead workers' leases expire
  (``[worker] lease_seconds``) and the next worker reconciles them.

The process helpers (:func:`database_url`, :func:`worker_env`, :class:`WorkerProcess`) are shared
with ``tests/comms/test_comms_worker_faults.py``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, select
from sqlmodel import col

from commcentre_tui import models as m
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.outbox_writes import enqueue, insert_communications

WAIT = 60.0
"""Safety-net timeout (seconds) of each wait on a condition."""


class Sink(Protocol):
    """What the scenario needs of an SMTP sink (``reliability.sink`` or the tests' aiosmtpd one)."""

    port: int

    def wait_for(self, count: int, timeout: float = ...) -> bool: ...

    def communication_ids(self) -> list[int]: ...

    def message_ids(self) -> list[str]: ...


# --- shared helpers ----------------------------------------------------------------------------


def database_url(engine: Engine) -> str:
    """The engine's URL with its password, for a worker process."""
    return engine.url.render_as_string(hide_password=False)


def worker_env(
    smtp_port: int, *, config: str | os.PathLike[str] | None = None, **worker: Any
) -> dict[str, str]:
    """The environment of a ``commcentre worker`` process aimed at a loopback sink on
    ``smtp_port`` (no TLS, no login); ``worker`` sets ``[worker]`` keys, e.g. ``batch_size=8``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMCENTRE_")}
    if config:
        env["COMMCENTRE_CONFIG"] = str(config)
    env.update(
        {
            "COMMCENTRE_EMAIL__HOST": "127.0.0.1",
            "COMMCENTRE_EMAIL__PORT": str(smtp_port),
            "COMMCENTRE_EMAIL__STARTTLS": "false",
            "COMMCENTRE_EMAIL__USERNAME": "",
        }
    )
    env.update({f"COMMCENTRE_WORKER__{k.upper()}": str(v) for k, v in worker.items()})
    return env


class WorkerProcess:
    """``python -m commcentre_tui worker`` as a child process; its output is drained by threads
    (``lines``), and :attr:`started` is set when it says it is delivering."""

    def __init__(
        self,
        url: str,
        env: Mapping[str, str],
        *,
        concurrency: int = 4,
        once: bool = False,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        args = [
            sys.executable,
            "-m",
            "commcentre_tui",
            "worker",
            "--concurrency",
            str(concurrency),
            "--database",
            url,
        ]
        if once:
            args.append("--once")
        self.proc = subprocess.Popen(
            args, env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.started = threading.Event()
        self.lines: list[str] = []
        self.out: list[str] = []
        self._readers = [
            threading.Thread(
                target=self._drain, args=(self.proc.stderr, self.lines, True), daemon=True
            ),
            threading.Thread(
                target=self._drain, args=(self.proc.stdout, self.out, False), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()

    def _drain(self, stream: Any, into: list[str], stderr: bool) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))
            if stderr and "delivering; stop with" in line:
                self.started.set()
        if stderr:
            self.started.set()  # it exited: nobody waits for a line that never comes

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int:
        """SIGKILL and reap; the exit code (``-9``)."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(WAIT)

    def stop(self) -> int:
        """SIGTERM (finish the delivery in progress), reap; the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(WAIT)
        finally:
            if self.alive():
                self.proc.kill()
        for reader in self._readers:
            reader.join(WAIT)
        return code


def add_contact(engine: Engine, number: str = "C0000001") -> int:
    """A bare contact to hang communications on; its id."""
    with transaction(engine) as session:
        contact = m.Contact(customer_number=number, first_name="Maria", last_name="Georgiou")
        session.add(contact)
        session.flush()
        assert contact.id is not None
        return contact.id


def queue_emails(engine: Engine, contact_id: int, count: int, *, chunk: int = 2000) -> list[int]:
    """``count`` completed outgoing emails with their queue entries (the bulk outbox path)."""
    ids: list[int] = []
    now = utcnow()
    for first in range(0, count, chunk):
        rows = [
            {
                "contact_id": contact_id,
                "direction": "outgoing",
                "media": "email",
                "subject": f"Message {i}",
                "content": f"Body {i}",
                "recipient": "customer@example.com",
                "state": "completed",
                "delivery": "queued",
                "completed_at": now,
            }
            for i in range(first, min(count, first + chunk))
        ]
        with transaction(engine) as session:
            new = insert_communications(session, rows, now)
            enqueue(session, new, now)
        ids += new
    return ids


def wait_until(condition: Callable[[], bool], timeout: float = WAIT, every: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes (a wait on a database state)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


def unsettled(engine: Engine) -> int:
    """Queue entries still ``queued`` or ``sending``."""
    q = m.CommunicationQueue
    with reading(engine) as session:
        return len(
            session.execute(select(col(q.id)).where(col(q.status).in_(("queued", "sending")))).all()
        )


# --- the scenario --------------------------------------------------------------------------------


@dataclass
class KillReport:
    """What happened and which guarantees broke (``violations``, empty when all held)."""

    backend: str
    messages: int
    kills: int
    seed: int
    seconds: float = 0.0
    sent: int = 0
    failed: int = 0
    failed_but_arrived: int = 0
    arrived: int = 0
    kill_points: list[int] = field(default_factory=list)
    """How many messages the sink had received when each kill was ordered."""
    violations: list[str] = field(default_factory=list)

    @property
    def per_s(self) -> float:
        return round(self.arrived / self.seconds, 1) if self.seconds else 0.0


def kill_points(rng: random.Random, messages: int, kills: int, concurrency: int) -> list[int]:
    """``kills`` sorted sink counts to kill at, each reachable even if every earlier kill lost a
    whole window of messages to "delivery uncertain"."""
    reachable = max(2, messages - kills * concurrency - 1)
    return sorted(rng.sample(range(1, reachable), min(kills, reachable - 1)))


def run_worker_kills(
    engine: Engine,
    sink: Sink,
    *,
    messages: int,
    kills: int,
    seed: int | None = None,
    config: str | os.PathLike[str] | None = None,
    concurrency: int = 4,
    batch_size: int = 20,
    lease_seconds: float = 2.0,
    cwd: str | Path | None = None,
) -> KillReport:
    """Queue ``messages`` emails, deliver them with a worker killed ``kills`` times, verify."""
    seed = seed if seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    report = KillReport(engine.dialect.name, messages, kills, seed)
    ids = queue_emails(engine, add_contact(engine, f"RK{seed % 10**7:07d}"), messages)
    url = database_url(engine)
    env = worker_env(
        sink.port,
        config=config,
        batch_size=batch_size,
        lease_seconds=lease_seconds,
        backoff_seconds=0,
        poll_seconds=0.05,
    )
    started = time.perf_counter()
    for point in kill_points(rng, messages, kills, concurrency):
        worker = WorkerProcess(url, env, concurrency=concurrency, cwd=cwd)
        try:
            if not worker.started.wait(WAIT) or not worker.alive():
                report.violations.append(
                    f"A worker exited at start: {' '.join(worker.lines)[-300:]}"
                )
                break
            if not sink.wait_for(point, WAIT):
                report.violations.append(
                    f"The worker delivered nothing towards message {point} within {WAIT:.0f} s."
                )
            report.kill_points.append(len(sink.communication_ids()))
        finally:
            code = worker.kill()
        if code != -signal.SIGKILL:
            report.violations.append(
                f"A worker to be killed had already exited with {code}: "
                f"{' '.join(worker.lines)[-300:]}"
            )
    final = WorkerProcess(url, env, concurrency=concurrency, cwd=cwd)
    try:
        # After the last kill every entry settles: delivered, or reconciled once leases expire.
        if not wait_until(lambda: unsettled(engine) == 0, WAIT + lease_seconds):
            report.violations.append(
                f"{unsettled(engine)} entries are still queued or sending "
                f"{WAIT + lease_seconds:.0f} s after the last restart."
            )
    finally:
        code = final.stop()
    report.seconds = time.perf_counter() - started
    if code != 0:
        report.violations.append(
            f"The last worker did not stop cleanly ({code}): {final.lines[-3:]}"
        )
    report.kills = len(report.kill_points)
    verify(engine, sink, ids, report)
    return report


def verify(engine: Engine, sink: Sink, ids: list[int], report: KillReport) -> None:
    """Check the exactly-once-or-failed guarantees; fill in the counts and violations."""
    received = sink.communication_ids()
    arrived_id = dict(zip(received, sink.message_ids(), strict=True))
    times = Counter(received)
    wanted = set(ids)
    report.arrived = len(received)
    twice = sorted(cid for cid, n in times.items() if n > 1)
    if twice:
        report.violations.append(f"{len(twice)} messages arrived more than once, e.g. {twice[:5]}.")
    stray = sorted(set(times) - wanted)
    if stray:
        report.violations.append(
            f"{len(stray)} messages arrived that were not queued, e.g. {stray[:5]}."
        )
    q, c = m.CommunicationQueue, m.Communication
    with reading(engine) as session:
        rows = session.execute(
            select(
                col(q.communication_id),
                col(q.status),
                col(q.message_id),
                col(c.delivery),
                col(c.last_error),
            )
            .join(c, col(c.id) == col(q.communication_id))
            .where(col(q.communication_id).in_(ids))
        ).all()
    problems: Counter[str] = Counter()
    for cid, status, message_id, delivery, error in rows:
        if status == "sent":
            report.sent += 1
            if times[cid] != 1:
                problems[f"marked sent but arrived {times[cid]} times"] += 1
            elif arrived_id[cid] != message_id:
                problems["sent with a Message-ID other than its recorded attempt's"] += 1
            if delivery != "sent":
                problems[f"queue says sent, communication says {delivery}"] += 1
        elif status == "failed":
            report.failed += 1
            report.failed_but_arrived += times[cid] == 1
            if not (error or "").strip():
                problems["failed without a reason"] += 1
            if delivery != "failed":
                problems[f"queue says failed, communication says {delivery}"] += 1
        else:
            problems[f"left {status}"] += 1
    if len(rows) != len(wanted):
        problems["queue entries missing"] += len(wanted) - len(rows)
    report.violations += [f"{n} messages {what}." for what, n in sorted(problems.items())]
