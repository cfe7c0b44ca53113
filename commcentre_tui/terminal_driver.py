"""The console's terminal driver: Textual's own, made to end the console when its terminal goes.

When the terminal goes away (tmux killed, the SSH channel closed, the window closed) reading the
tty fails with EIO and writing to it fails too. Textual's driver then panics from its input
thread while its output thread has died on the failed write; the next frame fills the output
queue and the UI loop blocks on it for ever — the console keeps running, holding its presence
and the SQLite worker lock, and no signal handler can run any more.

This driver treats a failed read or write as the terminal being lost: output from then on is
dropped (so nothing blocks), input stops, and the console is asked to shut down as it does on
SIGHUP (autosave open forms, close the presence, exit 129).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from typing import IO, TYPE_CHECKING, Any, cast

from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App

    from commcentre_tui.app import CommCentreApp

log = logging.getLogger("commcentre.console")


class _TerminalOutput:
    """The terminal's output stream; a write or flush that fails reports the terminal lost."""

    def __init__(self, stream: IO[str], lost: Any) -> None:
        self._stream = stream
        self._lost = lost
        self._gone = False

    def write(self, text: str) -> int:
        if self._gone:
            return len(text)
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            self._gone_now()
            return len(text)

    def flush(self) -> None:
        if self._gone:
            return
        try:
            self._stream.flush()
        except (OSError, ValueError):
            self._gone_now()

    def _gone_now(self) -> None:
        self._gone = True
        self._lost("output")

    def __getattr__(self, name: str) -> Any:  # fileno(), isatty(), encoding …
        return getattr(self._stream, name)


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver that shuts the console down when the terminal is lost."""

    def __init__(self, app: App[Any], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._lost_once = threading.Lock()
        self._terminal_lost = False
        self._file = _TerminalOutput(self._file, self._lose_terminal)  # type: ignore[assignment, arg-type]  # a proxy of the stream, which is open while the driver runs

    @property
    def terminal_lost(self) -> bool:
        """Whether the terminal went away."""
        return self._terminal_lost

    def run_input_thread(self) -> None:
        """Read keys until told to stop, or until the terminal is gone (EIO)."""
        try:
            super().run_input_thread()
        except OSError:
            self._lose_terminal("input")

    def _lose_terminal(self, where: str) -> None:
        """Stop input and ask the console to shut down, once (any thread)."""
        with self._lost_once:
            if self._terminal_lost:
                return
            self._terminal_lost = True
        log.warning("terminal lost (%s failed); shutting down", where)
        self.exit_event.set()
        from commcentre_tui.controllers.shutdown import request_shutdown

        with contextlib.suppress(RuntimeError):  # a closed loop: the console is ending anyway
            # The driver is only ever the console's (CommCentreApp passes it as driver_class).
            console = cast("CommCentreApp", self._app)
            self._loop.call_soon_threadsafe(request_shutdown, console, signal.SIGHUP)
