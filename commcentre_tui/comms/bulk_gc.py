"""Fewer garbage collections while a bulk run allocates its short-lived rows and contexts."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Young-generation collection threshold while a bulk run allocates (CPython's default is 700).
BULK_GC_THRESHOLD = 20_000
_gc_lock = threading.Lock()
_bulk_runs = 0
_saved_thresholds: tuple[int, ...] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often while the run allocates its short-lived rows and contexts.

    Every message allocates a few dozen containers that live for one chunk; at the default
    threshold the collector ran thousands of times per 100,000 messages and each full collection
    walked every live object (a quarter of the CPU time of a run). Reference counting frees the
    rows anyway; collections still run, only less often, and the thresholds are restored when
    the last concurrent run ends. A process that has switched automatic collection off (the
    console) is left as it is.
    """
    global _bulk_runs, _saved_thresholds
    with _gc_lock:
        if _bulk_runs == 0 and gc.isenabled():
            _saved_thresholds = gc.get_threshold()
            gc.set_threshold(max(_saved_thresholds[0], BULK_GC_THRESHOLD), *_saved_thresholds[1:])
        _bulk_runs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _bulk_runs -= 1
            if _bulk_runs == 0 and _saved_thresholds is not None:
                gc.set_threshold(*_saved_thresholds)
                _saved_thresholds = None
