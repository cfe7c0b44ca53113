"""Test-only launcher: the real ``commcentre`` command line, with every console search held until
the test releases it, so a test on a pty can type while a search is in flight.

``CC_TEST_SLOW_SEARCH``: a file. Each search appends a line to it when it starts, then waits
until the process receives SIGUSR1; from then on searches run at once. Nothing here is imported
by the product; it lives under ``tests/`` and is run as
``python -m tests.console.slow_search_launcher console …``.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

MARKER = os.environ.get("CC_TEST_SLOW_SEARCH", "")
#: Safety net: a search held longer than this goes on by itself (the test has failed by then).
BUDGET = 120.0


def install() -> None:
    """Hold ``Gateway.search`` until SIGUSR1 (only when ``CC_TEST_SLOW_SEARCH`` is set)."""
    if not MARKER:
        return
    from commcentre_tui.controllers.gateway import Gateway

    released = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: released.set())
    search = Gateway.search

    def held(self: Gateway, *args: Any, **kwargs: Any) -> Any:
        with Path(MARKER).open("a") as marker:
            marker.write("search\n")
        released.wait(BUDGET)
        return search(self, *args, **kwargs)

    Gateway.search = held  # type: ignore[method-assign]


if __name__ == "__main__":
    install()
    from commcentre_tui.cli import entry

    entry()
