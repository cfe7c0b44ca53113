"""A real ``commcentre`` console process on a pseudo-terminal, for the tests that drive or signal
the whole process (the reliability crash tests, the security shutdown tests).

:class:`Screen` is a small terminal emulator (cursor moves, erases and text; colours ignored) so a
test reads what an agent would see, row by row, rather than raw escape sequences.
:class:`PtyConsole` starts ``python -m commcentre_tui console`` (or the test launcher
:mod:`tests.reliability.crash_launcher`) on a pty, types keys, waits on conditions and SIGKILLs.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from commcentre_tui.ssh.pty_process import read_until_closed, set_window_size

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / "tests" / "config.test.toml"
TIMEOUT = 90.0
"""Safety net only: every wait ends as soon as its condition holds."""

KEYS = {
    "f2": "\x1bOQ",
    "f10": "\x1b[21~",
    "enter": "\r",
    "tab": "\t",
    "escape": "\x1b",
    "ctrl+s": "\x13",
    "ctrl+q": "\x11",
    "space": " ",
    "down": "\x1b[B",
    "up": "\x1b[A",
}

_CSI = re.compile(r"\x1b\[([0-?]*)([ -/]*)([@-~])")
_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_DCS = re.compile(r"\x1b[P_^][^\x1b]*\x1b\\")
_ESC2 = re.compile(r"\x1b[()*+#][0-9A-Za-z]|\x1b[@-Z\\-~0-9=>]")


def _width(ch: str) -> int:
    if unicodedata.combining(ch) or ch in "\u200b\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class Screen:
    """What the terminal shows: a grid of characters fed with the program's output."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self._pending = ""

    def feed(self, data: str) -> None:
        data, self._pending = self._pending + data, ""
        i, n = 0, len(data)
        while i < n:
            ch = data[i]
            if ch == "\x1b":
                rest = data[i : i + 4096]
                match = (
                    _CSI.match(rest) or _OSC.match(rest) or _DCS.match(rest) or _ESC2.match(rest)
                )
                if match is None:
                    if len(rest) < 64:  # an escape sequence cut in two: wait for the rest
                        self._pending = rest
                        return
                    i += 1
                    continue
                if match.re is _CSI:
                    self._csi(match.group(1), match.group(3))
                i += match.end()
                continue
            i += 1
            if ch == "\r":
                self.x = 0
            elif ch == "\n":
                self.y = min(self.y + 1, self.rows - 1)
            elif ch == "\b":
                self.x = max(self.x - 1, 0)
            elif ch >= " ":
                self._put(ch)

    def _put(self, ch: str) -> None:
        width = _width(ch)
        if width == 0:
            return
        if self.x + width > self.cols:
            self.x, self.y = 0, min(self.y + 1, self.rows - 1)
        self.grid[self.y][self.x] = ch
        if width == 2 and self.x + 1 < self.cols:
            self.grid[self.y][self.x + 1] = ""
        self.x += width

    def _csi(self, params: str, final: str) -> None:
        if params.startswith(("?", ">", "<", "=")):
            return
        nums = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []

        def arg(k: int, default: int = 1) -> int:
            return nums[k] if len(nums) > k and nums[k] else default

        if final in "Hf":
            self.y = min(arg(0) - 1, self.rows - 1)
            self.x = min(arg(1) - 1, self.cols - 1)
        elif final == "A":
            self.y = max(self.y - arg(0), 0)
        elif final == "B":
            self.y = min(self.y + arg(0), self.rows - 1)
        elif final == "C":
            self.x = min(self.x + arg(0), self.cols - 1)
        elif final == "D":
            self.x = max(self.x - arg(0), 0)
        elif final == "G":
            self.x = min(arg(0) - 1, self.cols - 1)
        elif final == "d":
            self.y = min(arg(0) - 1, self.rows - 1)
        elif final == "J":
            mode = arg(0, 0)
            if mode in (2, 3):
                self.grid = [[" "] * self.cols for _ in range(self.rows)]
            elif mode == 0:
                self.grid[self.y][self.x :] = [" "] * (self.cols - self.x)
                for row in self.grid[self.y + 1 :]:
                    row[:] = [" "] * self.cols
        elif final == "K":
            mode = arg(0, 0)
            row = self.grid[self.y]
            if mode == 0:
                row[self.x :] = [" "] * (self.cols - self.x)
            elif mode == 1:
                row[: self.x + 1] = [" "] * (self.x + 1)
            else:
                row[:] = [" "] * self.cols
        elif final == "X":
            end = min(self.x + arg(0), self.cols)
            self.grid[self.y][self.x : end] = [" "] * (end - self.x)

    @property
    def text(self) -> str:
        """The screen as lines of text (trailing blanks removed)."""
        return "\n".join("".join(row).rstrip() for row in self.grid)

    @property
    def flat(self) -> str:
        """The screen's text with line breaks and runs of blanks folded to one space, so a sentence
        wrapped over two lines is still found."""
        return re.sub(r"\s+", " ", self.text)


class PtyConsole:
    """One console process on its own pty; output is read by a thread into a :class:`Screen`."""

    def __init__(
        self,
        database_url: str | None,
        *,
        agent: str = "maria",
        cols: int = 120,
        rows: int = 40,
        env: Mapping[str, str] | None = None,
        launcher: str = "commcentre_tui",
        argv: list[str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        """The checkout's console on ``database_url`` with the test config; or, with ``argv``,
        that command as it is (an installed ``commcentre``), with neither the checkout on its
        path nor any test setting."""
        self.screen = Screen(cols, rows)
        self.lock = threading.Lock()
        master, slave = pty.openpty()
        set_window_size(slave, cols, rows)
        child_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("COMMCENTRE_", "TEXTUAL", "PYTEST", "PYTHONPATH"))
        }
        child_env.update(
            {
                "TERM": "xterm-256color",
                "COLORTERM": "truecolor",
                "COLUMNS": str(cols),
                "LINES": str(rows),
                "TZ": "UTC",
            }
        )
        if argv is None:
            child_env.update(
                {
                    "PYTHONPATH": str(ROOT),
                    "COMMCENTRE_CONFIG": str(TEST_CONFIG),
                    "COMMCENTRE_DATABASE__URL": database_url or "",
                    "COMMCENTRE_COMMUNICATIONS__AUTOSAVE_SECONDS": "0.2",
                }
            )
            argv = [sys.executable, "-m", launcher, "console", "--agent", agent]
        child_env.pop("NO_COLOR", None)
        child_env.update(env or {})
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=child_env,
            cwd=str(cwd or ROOT),
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._reader = threading.Thread(
            target=read_until_closed, args=(master, self._locked_received), daemon=True
        )
        self._reader.start()

    def _locked_received(self, chunk: bytes) -> None:
        with self.lock:
            self._received(chunk)

    def _received(self, chunk: bytes) -> None:
        """What the console wrote (called with the lock held)."""
        self.screen.feed(self._decoder.decode(chunk))

    # -- reading -------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        with self.lock:
            return self.screen.text

    @property
    def cursor(self) -> tuple[int, int]:
        """Where the terminal cursor is: Textual leaves it at the focused text field's cursor."""
        with self.lock:
            return self.screen.x, self.screen.y

    def row_of(self, needle: str) -> int | None:
        """The first screen row showing ``needle``."""
        return next((y for y, line in enumerate(self.text.splitlines()) if needle in line), None)

    def shows(self, needle: str) -> bool:
        with self.lock:
            return needle in self.screen.flat

    def wait_for(self, needle: str, timeout: float = TIMEOUT) -> None:
        """Wait until ``needle`` is on screen (a wrapped sentence counts)."""
        until(lambda: self.shows(needle), timeout, f"{needle!r} on screen", self)

    # -- typing --------------------------------------------------------------------------------
    def press(self, *keys: str) -> None:
        """Press named keys (see ``KEYS``) or single characters."""
        for key in keys:
            os.write(self.master, KEYS.get(key, key).encode())

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    # -- ending --------------------------------------------------------------------------------
    def hang_up(self) -> None:
        """Close the terminal's other end, as a killed tmux or a closed SSH channel does: the
        console's reads and writes fail from then on (no signal is sent)."""
        with contextlib.suppress(OSError):
            os.close(self.master)

    def kill(self) -> None:
        """SIGKILL, as a crash or a power cut of the agent's machine would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        with contextlib.suppress(OSError):
            os.close(self.master)

    def __enter__(self) -> PtyConsole:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.kill()


def until(
    condition: Callable[[], Any],
    timeout: float = TIMEOUT,
    what: str = "the condition",
    console: PtyConsole | None = None,
) -> Any:
    """Poll ``condition()`` until it is truthy (a safety-net timeout, never a measurement)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if console is not None and console.process.poll() is not None:
            raise AssertionError(
                f"the console exited ({console.process.returncode}) before {what}:\n{console.text}"
            )
        if time.monotonic() > deadline:
            screen = f"\nscreen:\n{console.text}" if console is not None else ""
            raise AssertionError(f"no {what} within {timeout} s{screen}")
        time.sleep(0.05)
