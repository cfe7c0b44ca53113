"""The delivery worker: claims queued entries, renders if needed, delivers, retries, settles.

Embedding (the console, tests, ``commcentre worker``)::

    worker = DeliveryWorker(engine, settings)
    stats = await worker.run_once()            # drain what is due now, then return
    await worker.run_forever(stop_event)       # until stop_event (an asyncio.Event) is set

The worker's database calls are synchronous (short transactions), so run it on **its own event
loop in a thread** — in the console a ``@work(thread=True)`` worker calling
``worker.run_blocking()``; stop it from any thread with ``worker.request_stop()`` (it finishes the
delivery in progress and gives back what it had claimed but not started). ``worker.wake()``
(thread-safe) makes an idle worker look at the queue now, e.g. right after a Save.
``on_event`` (called in the worker's thread) reports each settled entry as a
:class:`DeliveryEvent`.

The worker keeps ``concurrency`` messages in flight (one SMTP connection each, reused for the
whole batch). Per window of messages, ONE transaction settles the previous window and records
this window's attempts (``attempt_started_at``, a fresh Message-ID each) before anything is sent
— so a crash can never cause a silent second send: at worst the messages that were in flight are
reported "delivery uncertain" (see ``comms.outbox``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from commcentre_tui.comms.channels import (
    Channel,
    default_channels,
    sender_domain,
)
from commcentre_tui.comms.delivery_steps import deliver_job, render_job
from commcentre_tui.comms.outbox import Outbox, Outcome
from commcentre_tui.comms.workerlock import SingleWorkerLock, WorkerBusy
from commcentre_tui.config import Settings
from commcentre_tui.errors import CommCentreError
from commcentre_tui.models.types import utcnow

log = logging.getLogger(__name__)

#: Messages in flight at once (one SMTP connection each). A crash can leave at most this many
#: entries "delivery uncertain": exactly those whose attempts had been recorded and handed over.
DEFAULT_CONCURRENCY = 8
#: How often an idle worker prunes delivered entries (``[worker] keep_sent_days``), and at most
#: how many batches each time.
PRUNE_EVERY_SECONDS = 600.0
PRUNE_ROUNDS = 20

#: Test hooks, called with the job: ``after_claim`` (whole batch: the list), ``before_send``,
#: ``after_send``. Raising from one simulates a crash at that point.
Hook = Callable[[Any], None]


@dataclass
class DeliveryEvent:
    """One settled entry: ``status`` is ``sent``, ``retry`` or ``failed``."""

    communication_id: int
    status: str
    attempts: int
    error: str | None = None


@dataclass
class WorkerStats:
    """Counts since the worker started."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    requeued_after_crash: int = 0
    uncertain_after_crash: int = 0
    batches: int = 0
    last_error: str | None = None


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


class DeliveryWorker:
    """Delivers the communication queue. See the module docstring for embedding."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        name: str | None = None,
        channels: dict[str, Channel] | None = None,
        clock: Callable[[], datetime] = utcnow,
        hooks: dict[str, Hook] | None = None,
        on_event: Callable[[DeliveryEvent], None] | None = None,
        batch_size: int | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        cfg = settings.worker
        self.engine = engine
        self.settings = settings
        self.name = name or default_worker_name()
        self.domain = sender_domain(settings.email.sender)
        self.outbox = Outbox(
            engine,
            self.name,
            lease_seconds=cfg.lease_seconds,
            max_attempts=cfg.max_attempts,
            backoff_seconds=cfg.backoff_seconds,
            clock=clock,
            domain=self.domain,
        )
        self.concurrency = max(1, concurrency)
        self.slots = [
            channels if channels is not None else default_channels(settings)
            for _ in range(self.concurrency)
        ]
        self.batch_size = batch_size or cfg.batch_size
        self.poll_seconds = cfg.poll_seconds
        self.hooks = hooks or {}
        self.on_event = on_event
        self.stats = WorkerStats()
        self.lock = SingleWorkerLock(engine)
        self._stop: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested = threading.Event()
        self._pruned_at = -PRUNE_EVERY_SECONDS

    # --- public API ---------------------------------------------------------------------

    async def run_once(self) -> WorkerStats:
        """Deliver everything due now (retries due now included), then return the stats.

        Raises :class:`WorkerBusy` on SQLite when another worker holds the database.
        """
        self._bind_loop()
        self._take_lock()
        try:
            self._recover(first=True)
            while not self._stopping():
                if not await self._one_batch():
                    break
            self._prune_if_due()
        finally:
            await self._close_channels()
            self.lock.release()
        return self.stats

    async def run_forever(
        self, stop: asyncio.Event | None = None, *, wait_for_lock: bool = True
    ) -> WorkerStats:
        """Deliver until ``stop`` is set (or :meth:`request_stop`); idle-polls every
        ``[worker] poll_seconds``. On SQLite it waits for the lock while another worker has it
        (``wait_for_lock=False`` raises :class:`WorkerBusy` instead)."""
        self._bind_loop(stop)
        try:
            while not self.lock.acquire():
                if not wait_for_lock:
                    raise WorkerBusy(self.lock.busy_message())
                if await self._idle():
                    return self.stats
            self._recover(first=True)
            recovered = time.monotonic()
            while not self._stopping():
                try:
                    if time.monotonic() - recovered >= self.outbox.lease.total_seconds() / 2:
                        self._recover(first=False)  # entries of workers that died meanwhile
                        recovered = time.monotonic()
                    if await self._one_batch():
                        continue
                except OperationalError as exc:
                    # The database is unreachable or stayed locked: keep the worker alive and
                    # try again after a poll interval (what it claimed, leases return).
                    self.stats.last_error = f"The database failed: {str(exc).splitlines()[0][:200]}"
                    log.warning("delivery worker %s: %s", self.name, self.stats.last_error)
                await self._close_channels()  # idle: do not hold SMTP connections open
                self._prune_if_due()
                if await self._idle():
                    break
        finally:
            await self._close_channels()
            self.lock.release()
        return self.stats

    def run_blocking(self, *, once: bool = False) -> WorkerStats:
        """Run on a new event loop in the calling thread (a console thread worker)."""
        if once:
            return asyncio.run(self.run_once())
        return asyncio.run(self.run_forever())

    def request_stop(self) -> None:
        """Ask the worker to stop after the delivery in progress (thread-safe)."""
        self._stop_requested.set()
        self._signal(self._stop)

    def wake(self) -> None:
        """Make an idle worker look at the queue now (thread-safe)."""
        self._signal(self._wake)

    # --- internals ----------------------------------------------------------------------

    def _bind_loop(self, stop: asyncio.Event | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = stop or asyncio.Event()
        self._wake = asyncio.Event()
        if self._stop_requested.is_set():
            self._stop.set()

    def _signal(self, event: asyncio.Event | None) -> None:
        loop = self._loop
        if event is None or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    def _prune_if_due(self) -> None:
        """Remove long-delivered entries from the queue table (at most every
        :data:`PRUNE_EVERY_SECONDS`, a few short transactions; never fatal)."""
        from commcentre_tui.comms.retention import PRUNE_BATCH, prune_sent

        now = time.monotonic()
        if now - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = now
        try:
            for _ in range(PRUNE_ROUNDS):
                if prune_sent(self.engine, self.settings.worker.keep_sent_days) < PRUNE_BATCH:
                    break
        except OperationalError as exc:  # busy or away: the next idle moment tries again
            log.warning("delivery worker %s: pruning sent entries failed: %s", self.name, exc)

    def _stopping(self) -> bool:
        return self._stop_requested.is_set() or (self._stop is not None and self._stop.is_set())

    async def _idle(self) -> bool:
        """Wait for a poll interval, a wake-up or stop; ``True`` when stopping."""
        assert self._stop is not None and self._wake is not None
        stop_task = asyncio.ensure_future(self._stop.wait())
        wake_task = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait(
                {stop_task, wake_task},
                timeout=self.poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            stop_task.cancel()
            wake_task.cancel()
        self._wake.clear()
        return self._stopping()

    def _take_lock(self) -> None:
        if not self.lock.acquire():
            raise WorkerBusy(self.lock.busy_message())

    def _recover(self, *, first: bool) -> None:
        # Holding the SQLite lock proves no other worker is alive: every 'sending' entry is an
        # orphan. Elsewhere only expired leases are.
        every = first and self.lock.path is not None and self.lock.held
        report = self.outbox.reconcile(every_lease=every)
        self.stats.requeued_after_crash += report.requeued
        self.stats.uncertain_after_crash += report.uncertain

    def _hook(self, name: str, arg: Any) -> None:
        hook = self.hooks.get(name)
        if hook is not None:
            hook(arg)

    async def _one_batch(self) -> bool:
        """Claim and deliver one batch, ``concurrency`` messages at a time; ``False`` when
        nothing was due."""
        jobs = self.outbox.claim(self.batch_size)
        if not jobs:
            return False
        self.stats.batches += 1
        pending: list[Outcome] = []
        try:
            self._hook("after_claim", jobs)
            for first in range(0, len(jobs), self.concurrency):
                if self._stopping():
                    break
                window, rendered = [], {}
                for job in jobs[first : first + self.concurrency]:
                    try:
                        text = render_job(self.engine, self.settings, job, self.outbox.clock)
                    except CommCentreError as exc:
                        pending.append(
                            self.outbox.outcome(job, f"Could not render it: {exc}", permanent=True)
                        )
                        continue
                    if text is not None:
                        rendered[job.communication_id] = text
                    window.append(job)
                # One transaction: settle the previous window, record this window's attempts.
                started = self.outbox.step(pending, window, rendered=rendered)
                self._count(pending)
                pending = []
                for job in started:
                    self._hook("before_send", job)
                pending = list(
                    await asyncio.gather(
                        *(
                            deliver_job(self.outbox, job, self.slots[i])
                            for i, job in enumerate(started)
                        )
                    )
                )
                for job in started:
                    self._hook("after_send", job)
            self._settle(pending)
            pending = []
        except (Exception, asyncio.CancelledError):
            # A bug or a cancellation, not a crash: keep the results we have, give back the rest.
            self._settle(pending)
            self.outbox.release(jobs)
            raise
        # Anything else (KeyboardInterrupt, a simulated crash) leaves the entries exactly as a
        # killed process would: the next worker reconciles them.
        self.outbox.release(jobs)  # entries not started because we are stopping
        return True

    def _settle(self, outcomes: list[Outcome]) -> None:
        """Write ``outcomes`` in their own transaction and count them."""
        if outcomes:
            self.outbox.settle(outcomes)
            self._count(outcomes)

    def _count(self, outcomes: list[Outcome]) -> None:
        """Count outcomes already written and tell ``on_event``."""
        for outcome in outcomes:
            if outcome.status == "sent":
                self.stats.sent += 1
            elif outcome.status == "retry":
                self.stats.retried += 1
            else:
                self.stats.failed += 1
            if outcome.error:
                self.stats.last_error = outcome.error
            if self.on_event is not None:
                self.on_event(
                    DeliveryEvent(
                        outcome.job.communication_id,
                        outcome.status,
                        outcome.job.attempts,
                        outcome.error,
                    )
                )

    async def _close_channels(self) -> None:
        unique = {id(c): c for slot in self.slots for c in slot.values()}
        for channel in unique.values():
            with contextlib.suppress(Exception):  # a broken connection must not stop the worker
                await channel.close()
