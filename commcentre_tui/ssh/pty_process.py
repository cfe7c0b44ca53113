"""A child process on its own pseudo-terminal, driven from an asyncio loop.

The child becomes a session leader with the pty's slave side as its controlling terminal, so a
window change set on the master with ``TIOCSWINSZ`` makes the kernel send ``SIGWINCH`` to it (we
send one as well, which is harmless), and closing the master hangs it up (``SIGHUP``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import signal
import struct
import termios
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol

#: Input waiting for the child beyond this is dropped (a child that never reads its terminal).
MAX_PENDING_INPUT = 1 << 20


class Child(Protocol):
    """What :class:`PtyProcess` needs of its child (an asyncio process, or a forked console)."""

    pid: int

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...


#: Starts the child on the given pty slave descriptor instead of executing ``argv``.
Spawner = Callable[[int], Awaitable[Child]]


def _take_controlling_terminal() -> None:  # pragma: no cover - runs in the child before exec
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def set_window_size(fd: int, cols: int, rows: int, px_width: int = 0, px_height: int = 0) -> None:
    """Set the window size of the terminal behind ``fd``."""
    size = struct.pack("HHHH", max(rows, 1), max(cols, 1), px_width, px_height)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, size)


def read_until_closed(fd: int, received: Callable[[bytes], object]) -> None:
    """(Blocking, for a reader thread) Hand each chunk read from ``fd`` to ``received`` until
    the other side closes or hangs up."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        received(chunk)


def get_window_size(fd: int) -> tuple[int, int]:
    """``(cols, rows)`` of the terminal behind ``fd``."""
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    return cols, rows


class PtyProcess:
    """Run ``argv`` on a new pty; output bytes go to ``on_output`` as they arrive."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cols: int,
        rows: int,
        on_output: Callable[[bytes], None],
        pass_fds: Sequence[int] = (),
        spawn: Spawner | None = None,
    ) -> None:
        self.argv = list(argv)
        self.pass_fds = tuple(pass_fds)
        self._spawn = spawn
        self.env = dict(env)
        self.size = (cols or 80, rows or 24)
        self._on_output = on_output
        self._master: int | None = None
        self._proc: Child | None = None
        self._pending = bytearray()
        self._reading = False
        self._paused = False
        self._loop = asyncio.get_running_loop()

    @property
    def pid(self) -> int | None:
        """The child's process id (also its process group and session id)."""
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    async def start(self) -> None:
        """Open the pty, set its size and start the child on it."""
        master, slave = pty.openpty()
        try:
            set_window_size(master, *self.size)
            if self._spawn is not None:
                with contextlib.suppress(OSError):  # no fork server: start it the plain way
                    self._proc = await self._spawn(slave)
            if self._proc is None:
                self._proc = await self._exec(slave)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self._master = master
        self._start_reading()

    async def _exec(self, slave: int) -> Child:
        return await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.env,
            start_new_session=True,
            preexec_fn=_take_controlling_terminal,
            close_fds=True,
            pass_fds=self.pass_fds,
        )

    def _start_reading(self) -> None:
        if self._master is not None and not self._reading and not self._paused:
            self._loop.add_reader(self._master, self._read)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._master is not None and self._reading:
            self._loop.remove_reader(self._master)
            self._reading = False

    def _read(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the slave side has gone
            self._stop_reading()
            return
        if data:
            self._on_output(data)
        else:
            self._stop_reading()

    def pause_output(self) -> None:
        """Stop reading the child's output (the client is not keeping up)."""
        self._paused = True
        self._stop_reading()

    def resume_output(self) -> None:
        self._paused = False
        self._start_reading()

    def write(self, data: bytes) -> None:
        """Send keystrokes to the child."""
        if self._master is None:
            return
        if self._pending:
            self._pending += data[: MAX_PENDING_INPUT - len(self._pending)]
            return
        try:
            written = os.write(self._master, data)
        except BlockingIOError:
            written = 0
        except OSError:
            return
        if written < len(data):
            self._pending += data[written:MAX_PENDING_INPUT]
            self._loop.add_writer(self._master, self._flush)

    def _flush(self) -> None:
        assert self._master is not None
        try:
            written = os.write(self._master, self._pending)
        except BlockingIOError:
            return
        except OSError:
            written = len(self._pending)
        del self._pending[:written]
        if not self._pending:
            self._loop.remove_writer(self._master)

    def resize(self, cols: int, rows: int, px_width: int = 0, px_height: int = 0) -> None:
        """Pass a window change to the child (``TIOCSWINSZ`` on the pty, then ``SIGWINCH``)."""
        self.size = (cols, rows)
        if self._master is None:
            return
        with contextlib.suppress(OSError):
            set_window_size(self._master, cols, rows, px_width, px_height)
        self.signal(signal.SIGWINCH)

    def window_size(self) -> tuple[int, int]:
        """The pty's current ``(cols, rows)`` as the child sees it."""
        assert self._master is not None
        return get_window_size(self._master)

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the child's process group (it and anything it started)."""
        if self._proc is None or self._proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    async def wait(self) -> int:
        """Wait for the child to exit, deliver its last output, release the pty; the exit code
        (negative for a signal, like :mod:`subprocess`)."""
        assert self._proc is not None
        code = await self._proc.wait()
        self._drain()
        self.close()
        return code

    def _drain(self) -> None:
        if self._master is None or self._paused:
            return
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            if not data:
                return
            self._on_output(data)

    def close(self) -> None:
        """Release the pty (the child, if still running, is hung up)."""
        if self._master is None:
            return
        self._stop_reading()
        if self._pending:
            self._loop.remove_writer(self._master)
            self._pending.clear()
        os.close(self._master)
        self._master = None
