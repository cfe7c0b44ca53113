"""The delivery worker inside the console (``[worker] embedded = true``, the default), so a
single agent on SQLite needs no ``commcentre worker`` process.

:func:`start_embedded_worker` runs :class:`~commcentre_tui.comms.worker.DeliveryWorker` on its own
event loop in its own thread, hosted by a Textual worker (group ``"delivery"``). It never takes
the console down: an error becomes one notification sentence and the worker tries again after a
pause that doubles up to five minutes. When the app exits Textual cancels the host, which asks the
worker to stop after the delivery in progress; the thread is not a daemon, so the process waits
for that delivery to settle. :func:`stop_embedded_worker` stops it on demand.

Tests that run the app with it started must not call ``app.workers.wait_for_complete()`` for
every worker (this one runs until the app exits): wait for the others (``group != "delivery"``).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from commcentre_tui.failures import failure_clause

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.comms.worker import DeliveryEvent, DeliveryWorker

BACKOFF_FIRST = 2.0
BACKOFF_MAX = 300.0
WATCH_SECONDS = 0.25
"""How often the worker's thread checks whether it should stop."""
FAILURES_EVERY = 10.0
"""At most one "could not be delivered" notification this often (seconds)."""

Factory = Callable[..., "DeliveryWorker"]
_RUNNING: WeakKeyDictionary[Any, EmbeddedDelivery] = WeakKeyDictionary()


class EmbeddedDelivery:
    """One console's delivery worker: the thread, its current :class:`DeliveryWorker` and the
    stop/wake controls (all thread-safe)."""

    def __init__(self, app: CommCentreApp, factory: Factory) -> None:
        self.app = app
        self.factory = factory
        self.stop_requested = threading.Event()
        self.stopped = threading.Event()
        self.current: DeliveryWorker | None = None
        self.thread: threading.Thread | None = None
        self.errors = 0
        self._failed = 0
        self._told_at = -FAILURES_EVERY
        self._on_stopped: Callable[[], object] | None = None

    # -- controls ----------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Stop after the delivery in progress."""
        self.stop_requested.set()
        worker = self.current
        if worker is not None:
            worker.request_stop()

    def wake(self) -> None:
        """Look at the queue now (e.g. right after a Save queued an email)."""
        worker = self.current
        if worker is not None:
            worker.wake()

    def _should_stop(self) -> bool:
        return self.stop_requested.is_set() or not threading.main_thread().is_alive()

    def _tell(self, message: str, severity: str) -> None:
        # app.notify posts a message, which is safe from this thread; it fails once the app closed.
        with contextlib.suppress(Exception):
            self.app.notify(message, title="Delivery", severity=severity, markup=False, timeout=10)

    def _event(self, event: DeliveryEvent) -> None:
        """Failed deliveries as notifications kept until acknowledged: at most one every
        ``FAILURES_EVERY`` seconds (a bulk send that fails is one message with a count)."""
        if event.status != "failed":
            return
        self._failed += 1
        now = time.monotonic()
        if now - self._told_at < FAILURES_EVERY:
            return
        if self._failed == 1:
            message = (
                f"Communication {event.communication_id} could not be delivered: {event.error}"
            )
        else:
            message = (
                f"{self._failed} communications could not be delivered; the last "
                f"({event.communication_id}): {event.error}"
            )
        self._failed, self._told_at = 0, now
        with contextlib.suppress(Exception):  # the app has closed
            self.app.keep_notification(message, title="Delivery", severity="warning", timeout=10)

    # -- running -----------------------------------------------------------------------------
    async def host(self) -> None:
        """The Textual worker: starts the thread and waits for it; cancelling it stops it."""
        if self.stop_requested.is_set():
            self.stopped.set()
            return
        loop, done = asyncio.get_running_loop(), asyncio.Event()
        self._on_stopped = lambda: loop.call_soon_threadsafe(done.set)
        self.thread = threading.Thread(target=self.run, name="commcentre-delivery", daemon=False)
        self.thread.start()
        try:
            await done.wait()
        finally:
            self.request_stop()

    def run(self) -> None:
        """The thread: supervise the worker on a new event loop until asked to stop."""
        try:
            asyncio.run(self._supervise())
        except BaseException as exc:  # noqa: BLE001 - the console must survive anything here
            self._tell(
                f"The delivery worker stopped: {failure_clause(exc, 'delivering messages')}.",
                "error",
            )
        finally:
            self.current = None
            self.stopped.set()
            callback = self._on_stopped
            if callback is not None:
                with contextlib.suppress(RuntimeError):  # the app's loop is already closed
                    callback()

    async def _supervise(self) -> None:
        delay = BACKOFF_FIRST
        while not self._should_stop():
            started = time.monotonic()
            try:
                await self._run_worker()
            except Exception as exc:  # noqa: BLE001 - told as a sentence, then tried again
                self.errors += 1
                if time.monotonic() - started > BACKOFF_MAX:
                    delay = BACKOFF_FIRST
                self._tell(
                    f"The delivery worker stopped: {failure_clause(exc, 'delivering messages')}; it tries again in "
                    f"{delay:.0f} s.",
                    "error",
                )
                if await self._pause(delay):
                    return
                delay = min(delay * 2, BACKOFF_MAX)
            else:
                return

    async def _run_worker(self) -> None:
        """One :class:`DeliveryWorker` until it stops (asked to) or fails (raises)."""
        worker = self.factory(self.app.engine, self.app.settings, on_event=self._event)
        self.current = worker
        try:
            task = asyncio.ensure_future(worker.run_forever())
            if self._should_stop():
                worker.request_stop()
            while not task.done():
                await asyncio.wait({task}, timeout=WATCH_SECONDS)
                if self._should_stop():
                    worker.request_stop()
            task.result()
        finally:
            self.current = None

    async def _pause(self, seconds: float) -> bool:
        """Wait ``seconds`` unless asked to stop; ``True`` when stopping."""
        end = time.monotonic() + seconds
        while not self._should_stop():
            left = end - time.monotonic()
            if left <= 0:
                return False
            await asyncio.sleep(min(WATCH_SECONDS, left))
        return True


def _delivery_worker(*args: Any, **kwargs: Any) -> DeliveryWorker:
    """A :class:`DeliveryWorker`, its module (and the models) imported in the worker's own
    thread, so the console's first frames do not wait for them."""
    from commcentre_tui.comms.worker import DeliveryWorker

    return DeliveryWorker(*args, **kwargs)


def start_embedded_worker(
    app: CommCentreApp, *, factory: Factory | None = None
) -> EmbeddedDelivery | None:
    """Start delivering the communication queue inside the console when ``[worker] embedded``
    is true (call once from the UI loop, e.g. in the app's ``on_mount``); returns its handle,
    or ``None`` when the worker is not embedded. ``factory`` (tests) builds the
    :class:`DeliveryWorker` from ``(engine, settings, on_event=...)``."""
    if not app.settings.worker.embedded:
        return None
    running = _RUNNING.get(app)
    if running is not None and not running.stopped.is_set():
        return running
    handle = EmbeddedDelivery(
        app, factory or getattr(app, "delivery_factory", None) or _delivery_worker
    )
    _RUNNING[app] = handle
    app.run_worker(handle.host(), name="delivery worker", group="delivery", exit_on_error=False)
    return handle


def stop_embedded_worker(app: CommCentreApp, timeout: float = 10.0) -> bool:
    """Stop the console's delivery worker and wait up to ``timeout`` seconds for the delivery in
    progress; ``True`` when it has stopped (or none was running). It blocks while it waits: call
    it from a thread worker or at exit (leaving the app stops the worker without it)."""
    handle = _RUNNING.pop(app, None)
    if handle is None:
        return True
    handle.request_stop()
    if handle.thread is None:
        return True
    handle.thread.join(timeout)
    return handle.stopped.is_set()


def wake_embedded_worker(app: CommCentreApp) -> None:
    """Make the console's delivery worker look at the queue now (no-op when not running)."""
    handle = _RUNNING.get(app)
    if handle is not None:
        handle.wake()
