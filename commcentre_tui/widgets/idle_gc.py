"""Keep Python's full garbage collections out of the agent's way.

A console process holds a few hundred thousand long-lived objects (Textual, SQLAlchemy, the
models); a full (generation 2) collection walks them all and pauses the UI for 100–200 ms on a
small machine, at random moments — right after Enter, say. After start-up those objects are
frozen (``gc.freeze``: never walked again), automatic full collections are made ten times rarer,
and a full collection runs instead when the console has been quiet (no work running) for a
while, so memory stays bounded without stalling a search.
"""

from __future__ import annotations

import gc
import time
from typing import Any

#: Seconds between checks for a quiet moment to collect in.
IDLE_CHECK_SECONDS = 15.0

#: ``gc`` thresholds: generation 0 as usual, full collections ten times rarer than default.
THRESHOLDS = (700, 10, 100)


def tune_gc(app: Any) -> None:
    """Freeze what start-up created and schedule collections for quiet moments."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    state = {"last": time.monotonic()}

    def collect_when_quiet() -> None:
        busy = any(w.is_running and w.group not in ("delivery",) for w in app.workers)
        if not busy and time.monotonic() - state["last"] >= IDLE_CHECK_SECONDS:
            gc.collect()
            state["last"] = time.monotonic()

    app.set_interval(IDLE_CHECK_SECONDS, collect_when_quiet, name="idle-gc")
