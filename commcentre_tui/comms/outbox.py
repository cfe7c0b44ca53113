"""The transactional outbox: writing queue entries, and claiming, leasing and settling them.

Life of an entry (``communication_queue``)::

    queued --claim--> sending (leased to one worker, no attempt yet)
           --step--> sending + attempt_started_at + message_id   (committed BEFORE sending)
           --settle--> sent | queued (retry later, exponential backoff) | failed

Idempotent attempts: an attempt is recorded (``attempt_started_at``, a fresh ``message_id``
unique to the attempt) and committed before anything is sent. If a worker dies,
:meth:`Outbox.reconcile` finds its entries once their lease expires (at once on SQLite, where one
worker at a time is enforced):

* no attempt started → back to ``queued``; nothing was sent, it will be delivered normally;
* an attempt started but never settled → ``failed`` with "Delivery uncertain …" naming the
  Message-ID. It is **never re-sent silently**: SMTP gives no way to ask a server whether it
  accepted a message, so an agent decides (``services.communications.retry_delivery``).

Settling is a compare-and-set on the attempt's ``message_id``, so a worker that lost its lease
cannot overwrite another's result. Several workers on PostgreSQL claim with
``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite ``comms.workerlock.SingleWorkerLock`` (an OS lock
on a file beside the database, released by the kernel when a process dies) admits one worker at
a time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, String, cast, literal, select, update

from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.locked import retry_when_locked
from commcentre_tui.repo.outbox_writes import T_COMM, T_QUEUE
from commcentre_tui.repo.outbox_writes import (
    enqueue as enqueue,  # re-exported: services call and tests patch outbox.enqueue
)

MAX_BACKOFF = timedelta(days=1)


@dataclass
class Job:
    """A claimed entry with what delivering it needs."""

    queue_id: int
    communication_id: int
    attempts: int
    media: str
    recipient: str
    subject: str
    content: str
    template_id: int | None
    contact_id: int
    agent_id: int | None
    related_type: str | None
    related_id: int | None
    message_id: str | None = None
    started: bool = False


@dataclass
class Outcome:
    """How an attempt ended: ``sent``, ``retry`` or ``failed`` (``error`` says why)."""

    job: Job
    status: str
    error: str | None = None
    next_attempt_at: datetime | None = None


@dataclass
class ReconcileReport:
    """What :meth:`Outbox.reconcile` did."""

    requeued: int = 0
    uncertain: int = 0


class Outbox:
    """Queue operations for one worker (``name``), each its own short transaction."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        *,
        lease_seconds: float = 120.0,
        max_attempts: int = 5,
        backoff_seconds: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
        domain: str = "commcentre.local",
    ) -> None:
        self.engine = engine
        self.name = name[:100]
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.clock = clock
        self.postgres = engine.dialect.name == "postgresql"
        self.domain = domain
        self._writer = engine if self.postgres else engine.execution_options(sqlite_immediate=True)

    # --- claiming -----------------------------------------------------------------------

    @retry_when_locked
    def claim(self, limit: int) -> list[Job]:
        """Lease up to ``limit`` due entries to this worker (skipping ones others hold)."""
        q = T_QUEUE.c
        now = self.clock()
        due = (
            select(q.id)
            .where(q.status == "queued", q.next_attempt_at <= now)
            .order_by(q.next_attempt_at, q.id)
            .limit(limit)
        )
        if self.postgres:
            due = due.with_for_update(skip_locked=True)
        with transaction(self.engine) as session:
            claimed = session.execute(
                update(T_QUEUE)
                .where(q.id.in_(due.scalar_subquery()))
                .values(status="sending", lease_until=now + self.lease, worker=self.name)
                .returning(q.id, q.communication_id, q.attempts)
            ).all()
            if not claimed:
                return []
            c = T_COMM.c
            comms = {
                row.id: row
                for row in session.execute(
                    select(
                        c.id,
                        c.media,
                        c.recipient,
                        c.subject,
                        c.content,
                        c.template_id,
                        c.contact_id,
                        c.agent_id,
                        c.related_type,
                        c.related_id,
                    ).where(c.id.in_([r.communication_id for r in claimed]))
                )
            }
        jobs = []
        for qid, cid, attempts in sorted(claimed):
            m = comms[cid]
            jobs.append(
                Job(
                    qid,
                    cid,
                    attempts,
                    m.media,
                    m.recipient,
                    m.subject,
                    m.content,
                    m.template_id,
                    m.contact_id,
                    m.agent_id,
                    m.related_type,
                    m.related_id,
                )
            )
        return jobs

    # --- attempts -----------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """A short writing transaction on a plain connection (the hot path: no ORM session)."""
        with self._writer.begin() as conn:
            yield conn

    @retry_when_locked
    def step(
        self,
        settle: Sequence[Outcome] = (),
        start: Sequence[Job] = (),
        *,
        rendered: Mapping[int, tuple[str, str]] | None = None,
    ) -> list[Job]:
        """One transaction: settle finished attempts, then record the start of ``start``'s.

        Each started entry gets ``attempt_started_at`` and a fresh Message-ID, committed before
        anything is sent. Returns the jobs actually started (a job whose lease was lost to
        another worker is not: it must not be sent).
        """
        with self._tx() as conn:
            if settle:
                self._settle(conn, settle)
            return self._start(conn, start, rendered or {}) if start else []

    def _start(
        self, conn: Connection, jobs: Sequence[Job], rendered: Mapping[int, tuple[str, str]]
    ) -> list[Job]:
        q, c = T_QUEUE.c, T_COMM.c
        now = self.clock()
        suffix = f".{secrets.token_hex(4)}@{self.domain}>"
        message_id = (
            literal("<cc.")
            + cast(q.communication_id, String)
            + literal(".")
            + cast(q.attempts + 1, String)
            + literal(suffix)
        )
        rows = conn.execute(
            update(T_QUEUE)
            .where(
                q.id.in_([j.queue_id for j in jobs]),
                q.status == "sending",
                q.worker == self.name,
                q.attempt_started_at.is_(None),
            )
            .values(
                attempt_started_at=now,
                attempts=q.attempts + 1,
                message_id=message_id,
                lease_until=now + self.lease,
            )
            .returning(q.id, q.message_id, q.attempts)
        ).all()
        marked = {qid: (mid, attempts) for qid, mid, attempts in rows}
        started = []
        for job in jobs:
            if job.queue_id not in marked:
                continue
            job.message_id, job.attempts = marked[job.queue_id]
            job.started = True
            started.append(job)
            if job.communication_id in rendered:
                job.subject, job.content = rendered[job.communication_id]
                conn.execute(
                    update(T_COMM)
                    .where(c.id == job.communication_id)
                    .values(subject=job.subject, content=job.content)
                )
        return started

    def backoff(self, attempts: int) -> timedelta:
        """Delay before attempt ``attempts + 1``: ``backoff_seconds`` doubled per attempt."""
        seconds = self.backoff_seconds * (2 ** max(attempts - 1, 0))
        return min(timedelta(seconds=seconds), MAX_BACKOFF)

    def outcome(self, job: Job, error: str | None, *, permanent: bool = False) -> Outcome:
        """The outcome of ``job``'s attempt: sent, a retry later, or failed for good."""
        if error is None:
            return Outcome(job, "sent")
        if permanent or job.attempts >= self.max_attempts:
            if not permanent:
                error = f"Gave up after {job.attempts} attempts: {error}"
            return Outcome(job, "failed", error[:500])
        return Outcome(job, "retry", error[:500], self.clock() + self.backoff(job.attempts))

    def _settle(self, conn: Connection, outcomes: Sequence[Outcome]) -> None:
        """Write outcomes; each is a compare-and-set on its attempt's Message-ID."""
        q, c = T_QUEUE.c, T_COMM.c
        now = self.clock()
        sent = [o.job for o in outcomes if o.status == "sent" and o.job.started]
        if sent:  # the common case, set-based: one statement per table
            # ``id IN … AND message_id IN …`` rather than a row-value IN: SQLite cannot use the
            # primary key for ``(id, message_id) IN (…)`` and scanned the whole queue table per
            # batch. Equivalent here: each attempt's Message-ID names its own communication.
            done = (
                conn.execute(
                    update(T_QUEUE)
                    .where(
                        q.id.in_([j.queue_id for j in sent]),
                        q.message_id.in_([j.message_id for j in sent]),
                    )
                    .values(
                        status="sent",
                        sent_at=now,
                        lease_until=None,
                        attempt_started_at=None,
                        last_error=None,
                    )
                    .returning(q.communication_id)
                )
                .scalars()
                .all()
            )
            if done:
                attempts = select(q.attempts).where(q.communication_id == c.id).scalar_subquery()
                conn.execute(
                    update(T_COMM)
                    .where(c.id.in_(done))
                    .values(delivery="sent", sent_at=now, last_error=None, attempts=attempts)
                )
        for outcome in outcomes:
            if outcome.status != "sent" or not outcome.job.started:
                self._settle_one(conn, outcome, now)

    def _settle_one(self, conn: Connection, outcome: Outcome, now: datetime) -> None:
        q, c, job = T_QUEUE.c, T_COMM.c, outcome.job
        values: dict[str, Any] = {
            "lease_until": None,
            "attempt_started_at": None,
            "last_error": outcome.error,
        }
        if outcome.status == "sent":
            values.update(status="sent", sent_at=now)
        elif outcome.status == "retry":
            values.update(status="queued", worker=None, next_attempt_at=outcome.next_attempt_at)
        else:
            values.update(status="failed")
        cond = [q.id == job.queue_id]
        if job.started:
            cond.append(q.message_id == job.message_id)
        else:
            cond += [q.worker == self.name, q.status == "sending"]
        if conn.execute(update(T_QUEUE).where(*cond).values(**values)).rowcount != 1:
            return
        comm: dict[str, Any] = {"attempts": job.attempts, "last_error": outcome.error}
        comm["delivery"] = {"sent": "sent", "failed": "failed"}.get(outcome.status, "queued")
        if outcome.status == "sent":
            comm["sent_at"] = now
        conn.execute(update(T_COMM).where(c.id == job.communication_id).values(**comm))

    def settle(self, outcomes: Sequence[Outcome]) -> None:
        """Record how attempts (or refusals before any attempt) ended, in one transaction."""
        if outcomes:
            self.step(outcomes)

    @retry_when_locked
    def release(self, jobs: Iterable[Job]) -> int:
        """Give back claimed entries this worker never attempted (stopping, or after an error)."""
        ids = [j.queue_id for j in jobs if not j.started]
        if not ids:
            return 0
        q = T_QUEUE.c
        with transaction(self.engine) as session:
            result = session.execute(
                update(T_QUEUE)
                .where(
                    q.id.in_(ids),
                    q.worker == self.name,
                    q.status == "sending",
                    q.attempt_started_at.is_(None),
                )
                .values(status="queued", lease_until=None, worker=None)
            )
        return int(result.rowcount)  # type: ignore[attr-defined]  # execute() of an UPDATE/DELETE returns a CursorResult, which has rowcount

    # --- recovery -----------------------------------------------------------------------

    @retry_when_locked
    def reconcile(self, *, every_lease: bool = False) -> ReconcileReport:
        """Settle entries of workers that died: expired leases, or every ``sending`` entry when
        ``every_lease`` (safe only while holding ``comms.workerlock.SingleWorkerLock``)."""
        q, c = T_QUEUE.c, T_COMM.c
        now = self.clock()
        stale = [q.status == "sending"]
        if not every_lease:
            stale.append(q.lease_until < now)
        report = ReconcileReport()
        with transaction(self.engine) as session:
            report.requeued = int(
                session.execute(  # type: ignore[attr-defined]  # execute() of an UPDATE/DELETE returns a CursorResult, which has rowcount
                    update(T_QUEUE)
                    .where(*stale, q.attempt_started_at.is_(None))
                    .values(status="queued", lease_until=None, worker=None)
                ).rowcount
            )
            uncertain = session.execute(
                update(T_QUEUE)
                .where(*stale, q.attempt_started_at.is_not(None))
                .values(status="failed", lease_until=None)
                .returning(
                    q.communication_id, q.message_id, q.attempt_started_at, q.attempts, q.worker
                )
            ).all()
            for cid, mid, started, attempts, worker in uncertain:
                error = (
                    f"Delivery uncertain: worker {worker or '?'} stopped during the send attempt of "
                    f"{started:%Y-%m-%d %H:%M} UTC (Message-ID {mid}); it may have arrived, so it was "
                    "not sent again — check with the customer, then use Retry to send it."
                )[:500]
                session.execute(
                    update(T_QUEUE).where(q.communication_id == cid).values(last_error=error)
                )
                session.execute(
                    update(T_COMM)
                    .where(c.id == cid)
                    .values(delivery="failed", last_error=error, attempts=attempts)
                )
            report.uncertain = len(uncertain)
        return report
