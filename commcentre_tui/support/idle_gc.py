"""Keep Python's garbage collections out of the agent's way.

A console process holds a few hundred thousand long-lived objects (Textual, SQLAlchemy, the
models); a full (generation 2) collection walks them all and pauses the UI for 100–200 ms on a
small machine, at random moments — right after Enter, say. After start-up those objects are
frozen (``gc.freeze``: never walked again).

Drawing a screen also leaves many young objects alive for a while (Textual's render caches), so
even the automatic young-generation collections cost 2–5 ms each, and they fell in the middle of
about one tab switch in three. Automatic collection is therefore off once the console is up:
the young generations are collected on a timer (:data:`YOUNG_SECONDS`), between the agent's keys
rather than inside a frame, and a full collection runs when the console has been quiet (no work
running) for :data:`IDLE_CHECK_SECONDS`, or at the latest after :data:`FULL_AT_MOST_SECONDS`.
Most garbage is freed at once by reference counting; the collector is only needed for cycles,
so memory stays bounded.
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

#: Seconds between collections of the young generations (a few milliseconds each).
YOUNG_SECONDS = 1.0

#: Seconds between checks for a quiet moment to run a full collection in.
IDLE_CHECK_SECONDS = 15.0

#: A full collection runs after this long even if the console was never quiet.
FULL_AT_MOST_SECONDS = 120.0


def tune_gc(app: CommCentreApp) -> None:
    """Freeze what start-up created and collect on timers instead of mid-frame."""
    gc.collect()
    gc.freeze()
    gc.disable()
    state = {"last": time.monotonic()}

    def collect_young() -> None:
        gc.collect(1)

    def collect_when_quiet() -> None:
        since = time.monotonic() - state["last"]
        busy = any(w.is_running and w.group not in ("delivery",) for w in app.workers)
        if (not busy and since >= IDLE_CHECK_SECONDS) or since >= FULL_AT_MOST_SECONDS:
            gc.collect()
            state["last"] = time.monotonic()

    app.set_interval(YOUNG_SECONDS, collect_young, name="young-gc")
    app.set_interval(IDLE_CHECK_SECONDS, collect_when_quiet, name="idle-gc")


def restore_gc() -> None:
    """Automatic collection back on: the console has closed, and a process that goes on (the
    test suite, say) collects as usual. What was frozen stays frozen; unfreezing it would only
    make the next full collections walk it all again."""
    gc.enable()
