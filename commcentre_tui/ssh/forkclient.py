"""``serve-ssh``'s side of the fork server (:mod:`.forkserver`): start it, ask it for consoles,
learn when they end."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from commcentre_tui.ssh.forkserver import MAX_PACKET

#: How often a console is checked for once the fork server that reported its end has gone.
ORPHAN_POLL_SECONDS = 0.5


class ForkedConsole:
    """A console the fork server started: what :class:`asyncio.subprocess.Process` offers here."""

    def __init__(self, pid: int, ended: asyncio.Future[int]) -> None:
        self.pid = pid
        self._ended = ended

    @property
    def returncode(self) -> int | None:
        return self._ended.result() if self._ended.done() else None

    async def wait(self) -> int:
        return await asyncio.shield(self._ended)


class ForkClient:
    """One fork server for the life of a ``serve-ssh``."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._sock: socket.socket | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._started: dict[int, asyncio.Future[int]] = {}
        self._ended: dict[int, asyncio.Future[int]] = {}

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "commcentre_tui.ssh.forkserver",
                str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, "PYTHONUTF8": "1"},
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self._sock = ours
        self._loop.add_reader(ours.fileno(), self._read)

    @property
    def alive(self) -> bool:
        return self._sock is not None

    async def spawn(
        self, argv: Sequence[str], env: Mapping[str, str], slave: int, control: int
    ) -> ForkedConsole:
        """Start ``commcentre ARGV`` on the pty ``slave`` with ``env``; ``OSError`` if it cannot."""
        if self._sock is None:
            raise OSError("the fork server has stopped")
        request_id = next(self._ids)
        started: asyncio.Future[int] = self._loop.create_future()
        self._started[request_id] = started
        packet = json.dumps({"id": request_id, "argv": list(argv), "env": dict(env)}).encode()
        try:
            socket.send_fds(self._sock, [packet], [slave, control])
            pid = await started
        finally:
            self._started.pop(request_id, None)
        ended = self._ended.setdefault(pid, self._loop.create_future())
        return ForkedConsole(pid, ended)

    def _read(self) -> None:
        assert self._sock is not None
        try:
            data = self._sock.recv(MAX_PACKET)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._stopped()
            return
        with contextlib.suppress(ValueError):
            self._handle(json.loads(data))

    def _handle(self, message: dict[str, Any]) -> None:
        if message.get("ready"):
            self.ready.set()
        elif "exit" in message:
            ended = self._ended.setdefault(int(message["exit"]), self._loop.create_future())
            if not ended.done():
                ended.set_result(int(message["code"]))
        elif (started := self._started.get(message.get("id") or 0)) and not started.done():
            if "pid" in message:
                started.set_result(int(message["pid"]))
            else:
                started.set_exception(OSError(str(message.get("error"))))

    def _stopped(self) -> None:
        """The fork server went away: fail what waits for it, and watch its consoles by pid."""
        if self._sock is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
        for started in self._started.values():
            if not started.done():
                started.set_exception(OSError("the fork server has stopped"))
        for pid, ended in self._ended.items():
            if not ended.done():
                asyncio.ensure_future(_poll_orphan(pid, ended))

    async def close(self) -> None:
        """Stop the fork server (consoles it started are not affected)."""
        self._stopped()
        if self._proc is not None and self._proc.returncode is None:
            try:
                await asyncio.wait_for(self._proc.wait(), 5)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()


async def _poll_orphan(pid: int, ended: asyncio.Future[int]) -> None:
    """A console whose exit nobody will report: done once its process has gone (status 1)."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        except PermissionError:
            pass
        await asyncio.sleep(ORPHAN_POLL_SECONDS)
    if not ended.done():
        ended.set_result(1)
