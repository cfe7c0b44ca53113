"""``console.painted``: what an agent sees in a real terminal, measured from the bytes on a pty.

The console runs as its own process (``python -m commcentre_tui console``) on a pseudo-terminal
at 80×24; a terminal emulator (``pyte``, installed with the test extras) reads everything it
writes. Keys are written to the pty as a terminal sends them, a search term one letter at a time
as an agent types it, each key pressed on a screen at rest. Measured, per repetition:

* ``search`` — Enter in the search bar → the results painted (the status line names the search);
* ``tab`` — F6 (or F5, when the console kept Subscriptions) on the loaded first result, half a
  second after it loaded → that tab painted as the active one.

Unlike ``console.search`` and ``console.tab_switch`` (headless Textual), this includes the
terminal driver, the escape sequences written and their transfer through the pty. Goals (issue
#23): search p95 ≤ 50 ms, tab switch ≤ 30 ms. Nothing is written to the database.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.bench.console import SEARCH_TERMS, _summary
from commcentre_tui.bench.registry import BenchContext, case

COLS, ROWS = 80, 24
F2, F5, F6, ENTER, ESCAPE = "\x1bOQ", "\x1b[15~", "\x1b[17~", "\r", "\x1b"
#: The active tab as the tab strip shows it.
DASHBOARD, SUBSCRIPTIONS = "▸F5 Dashboard◂", "▸F6 Subscriptions◂"
END, BACKSPACE = "\x1b[F", "\x7f"
#: Seconds between an agent's keystrokes while typing a term.
TYPING_GAP = 0.03
#: The screen is at rest when nothing was written for this long.
REST = 0.1
#: A safety net for each wait (a wait ends as soon as its condition holds).
TIMEOUT = 60.0


class PtyTerminal:
    """The console on a pty, its output fed into a ``pyte`` screen by a reader thread."""

    def __init__(self, url: str, agent: str) -> None:
        import pyte  # (the test extras: ``pip install -e ".[test]"``)

        from commcentre_tui.ssh.pty_process import read_until_closed, set_window_size

        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.changed = threading.Condition()
        self.last_write = time.monotonic()
        master, slave = pty.openpty()
        set_window_size(slave, COLS, ROWS)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
        env.update(
            TERM="xterm-256color",
            COLORTERM="truecolor",
            COMMCENTRE_DATABASE__URL=url,
            COLUMNS=str(COLS),
            LINES=str(ROWS),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "commcentre_tui", "console", "--agent", agent],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        threading.Thread(target=read_until_closed, args=(master, self._feed), daemon=True).start()

    def _feed(self, chunk: bytes) -> None:
        with self.changed:
            self.stream.feed(chunk)
            self.last_write = time.monotonic()
            self.changed.notify_all()

    def text(self) -> str:
        """The screen's rows, joined (call with ``changed`` held)."""
        return "\n".join(self.screen.display)

    def until(self, condition: Callable[[str], bool], what: str) -> float:
        """Wait until ``condition(screen text)`` holds; the moment the bytes that made it hold
        arrived."""
        deadline = time.monotonic() + TIMEOUT
        with self.changed:
            while not condition(self.text()):
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise RuntimeError(f"the console did not show {what}: {self.text()!r}")
                self.changed.wait(left)
            return self.last_write

    def at_rest(self) -> None:
        """Wait until nothing was written for :data:`REST` seconds."""
        while True:
            with self.changed:
                quiet = time.monotonic() - self.last_write
            if quiet >= REST:
                return
            time.sleep(REST - quiet)

    def send(self, keys: str) -> float:
        """Write ``keys`` as the terminal would; the moment they were written."""
        at = time.monotonic()
        os.write(self.master, keys.encode())
        return at

    def type(self, keys: Iterable[str]) -> None:
        """Write ``keys`` one by one, :data:`TYPING_GAP` apart, as an agent types."""
        for key in keys:
            self.send(key)
            time.sleep(TYPING_GAP)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        os.close(self.master)


def _shows(needle: str) -> Callable[[str], bool]:
    return lambda screen: needle in screen


def measure_painted(engine: Engine, url: str, *, rounds: int, agent: str) -> dict[str, list[float]]:
    """Seconds from Enter to results painted and from F6 to its tab painted, ``rounds`` each."""
    samples: dict[str, list[float]] = {"search": [], "tab": []}
    term = PtyTerminal(url, agent)
    try:
        term.until(lambda s: "Find a customer" in s, "the welcome screen")
        typed = ""
        for i in range(rounds):
            word = SEARCH_TERMS[i % len(SEARCH_TERMS)]
            term.at_rest()
            term.send(F2)
            term.at_rest()
            term.type([END, *BACKSPACE * len(typed)])  # the last term away, key by key
            term.at_rest()
            term.type(word)
            typed = word
            term.at_rest()
            sent = term.send(ENTER)
            shown = term.until(_shows(f"Like “{word}”"), f"the results for {word}")
            samples["search"].append(shown - sent)
            term.at_rest()
            term.send(ENTER)  # the first result
            term.until(lambda s: "◂" in s, "the customer")  # (its tab strip)
            time.sleep(0.5)  # the agent reads the customer (the other tabs load meanwhile)
            term.at_rest()
            with term.changed:  # (the console keeps the tab last shown)
                key, mark = (F5, DASHBOARD) if SUBSCRIPTIONS in term.text() else (F6, SUBSCRIPTIONS)
            sent = term.send(key)
            shown = term.until(_shows(mark), "the other tab")
            samples["tab"].append(shown - sent)
            term.at_rest()
            term.send(ESCAPE)
            term.until(lambda s: "◂" not in s, "the results again")
    finally:
        term.close()
    return samples


@case("console.painted", "Enter → results and F6 → tab, painted on a real pty at 80×24 (pyte)")
def _case_painted(ctx: BenchContext) -> list[dict[str, Any]]:
    from commcentre_tui.repo.actor_lookup import first_active_username

    rounds = max(5, min(ctx.repeat, 40))
    found = measure_painted(
        ctx.engine, ctx.url, rounds=rounds, agent=first_active_username(ctx.engine) or ""
    )
    return [
        {**_summary(f"console.painted_{what}", ctx.engine, values, ctx.contacts), "goal_ms": goal}
        for (what, values), goal in zip(found.items(), (50, 30), strict=True)
    ]
