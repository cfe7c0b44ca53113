"""Garbage is still collected while the console runs, even though the collector no longer runs
in the middle of a frame (support/idle_gc.py): memory stays bounded over a working day."""

from __future__ import annotations

import gc
import time
import weakref

from tests.console.conftest import settle


class _Node:
    """An object in a reference cycle: only the garbage collector can free it."""

    def __init__(self) -> None:
        self.me = self


async def test_cyclic_garbage_is_collected_while_the_console_runs(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.screen.panels_ready.wait()
        garbage = _Node()
        gone = weakref.ref(garbage)
        del garbage
        deadline = time.monotonic() + 10
        while gone() is not None and time.monotonic() < deadline:
            await pilot.pause(0.05)  # the console's own timers run meanwhile
        assert gone() is None
    # The console has closed: the process collects as usual again.
    assert gc.isenabled()
