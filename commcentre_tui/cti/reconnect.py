"""Keep a link up: run one session after another with capped exponential backoff.

Shared by the AMI client (:mod:`.ami`) and the console's link to the bridge (:mod:`.bridge`).
The state goes ``connecting`` (first attempt) → whatever the session sets while it runs →
``reconnecting`` while waiting; the delay starts at ``initial``, doubles up to ``maximum`` (with
up to 20% jitter, so a team's consoles do not all come back in the same instant) and starts
over after a session that got as far as ``successes()`` counting it. An exception of a ``fatal``
type ends the loop (``on_fatal`` sets the state); a ``transient`` one is logged as a warning;
anything else is logged with its traceback and retried — a bug must not end CTI for the rest
of the shift.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from commcentre_tui.cti.states import CONNECTING, RECONNECTING

TRANSIENT: tuple[type[BaseException], ...] = (OSError, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff: ``initial`` seconds, doubling to ``maximum``."""

    initial: float = 0.5
    maximum: float = 30.0

    def next(self, delay: float) -> float:
        """The delay after ``delay``."""
        return min(delay * 2, self.maximum)

    @staticmethod
    def jittered(delay: float) -> float:
        """``delay`` less up to 20%."""
        return delay * random.uniform(0.8, 1.0)


async def keep_connected(
    session: Callable[[], Awaitable[None]],
    *,
    name: str,
    log: logging.Logger,
    backoff: Backoff,
    set_state: Callable[[str], None],
    successes: Callable[[], int],
    stopping: Callable[[], bool],
    fatal: tuple[type[BaseException], ...] = (),
    on_fatal: Callable[[BaseException], None] | None = None,
    transient: tuple[type[BaseException], ...] = TRANSIENT,
) -> None:
    """Run ``session()`` again and again until ``stopping()`` or a ``fatal`` error (see module doc).

    ``name`` ("AMI 10.0.0.5:5038") starts the log lines. Cancelling the task stops it at once.
    """
    delay, first = backoff.initial, True
    while not stopping():
        set_state(CONNECTING if first else RECONNECTING)
        before = successes()
        try:
            await session()
        except Exception as exc:  # CancelledError is not an Exception: cancelling still stops
            if isinstance(exc, fatal):
                if on_fatal is not None:
                    on_fatal(exc)
                return
            if isinstance(exc, transient):
                log.warning("%s lost or unreachable: %s", name, exc or type(exc).__name__)
            else:
                log.exception("%s session failed unexpectedly", name)
        if stopping():
            return
        if successes() > before:
            delay = backoff.initial
        first = False
        set_state(RECONNECTING)
        await asyncio.sleep(backoff.jittered(delay))
        delay = backoff.next(delay)
