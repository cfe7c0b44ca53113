"""Waiting for the console to settle while CTI's event reader runs (tests and benchmarks).

``app.workers.wait_for_complete()`` waits for *every* worker, and the CTI event reader lives
as long as the app: use :func:`settle` (every other worker) and :func:`until` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.worker import WorkerCancelled

from commcentre_tui.controllers.cti.controller import CONSUMER_GROUP, controller_of

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp


def busy_workers(app: CommCentreApp) -> list[Any]:
    """The app's unfinished workers other than the CTI event reader."""
    return [w for w in app.workers if w.group != CONSUMER_GROUP and not w.is_finished]


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Let the workers (but the event reader) finish and their results reach the screen."""
    for _ in range(rounds):
        busy = busy_workers(pilot.app)
        if busy:  # (an empty list would mean "every worker" to wait_for_complete)
            with contextlib.suppress(WorkerCancelled):  # a cancelled worker is done too
                await pilot.app.workers.wait_for_complete(busy)
        await pilot.pause()


async def until(
    pilot: Any, predicate: Callable[[], Any], timeout: float = 5.0, rounds: int = 3
) -> None:
    """Wait until ``predicate()`` is true, settling after each CTI step.

    ``timeout`` is a safety net only (``TimeoutError`` when the condition never comes).
    """
    controller = controller_of(pilot.app)

    async def loop() -> None:
        while True:
            seen = controller.steps if controller is not None else 0
            await settle(pilot, rounds)
            if predicate():
                return
            if controller is None:
                await pilot.pause()
                continue
            if controller.steps == seen:
                await controller.wait_step(seen)

    await asyncio.wait_for(loop(), timeout)
