"""Helpers of the SSH tests: a client terminal that collects screen text, and condition waits."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from typing import Any

import asyncssh
import pyte

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
TIMEOUT = float(os.environ.get("CC_TEST_SSH_TIMEOUT", "90"))
"""Safety net only: every wait ends as soon as its condition holds."""


async def connect(
    port: int, username: str, key: asyncssh.SSHKey | None = None, password: str | None = None
) -> asyncssh.SSHClientConnection:
    """A client connection that offers only ``key`` (or only ``password``)."""
    return await asyncssh.connect(
        "127.0.0.1",
        port,
        username=username,
        client_keys=[key] if key else [],
        password=password,
        known_hosts=None,
        agent_path=None,
        config=(),
        preferred_auth="password" if password else "publickey",
    )


class Terminal:
    """An interactive session as a client sees it: bytes in, screen text out."""

    def __init__(
        self,
        process: asyncssh.SSHClientProcess,  # type: ignore[type-arg]
        size: tuple[int, int] = (100, 30),
    ) -> None:
        self.process = process
        self.raw = b""
        self.size = size

    @classmethod
    async def open(
        cls,
        conn: asyncssh.SSHClientConnection,
        *,
        size: tuple[int, int] = (100, 30),
        term: str | None = "xterm-256color",
        env: dict[str, str] | None = None,
        command: str | None = None,
    ) -> Terminal:
        process = await conn.create_process(
            command,
            term_type=term,
            term_size=size if term else None,
            encoding=None,
            env=env or {},
        )
        return cls(process, size)

    @property
    def text(self) -> str:
        return ANSI.sub(b"", self.raw).decode("utf-8", errors="replace")

    async def wait_for(self, needle: str, timeout: float = TIMEOUT) -> str:
        """Read until ``needle`` is on screen; the text so far."""
        try:
            async with asyncio.timeout(timeout):
                while needle not in self.text:
                    chunk = await self.process.stdout.read(65536)
                    if not chunk:
                        raise AssertionError(
                            f"the session ended before {needle!r}: {self.text[-800:]!r}"
                        )
                    self.raw += chunk
        except TimeoutError:
            raise AssertionError(
                f"no {needle!r} within {timeout} s: {self.text[-800:]!r}"
            ) from None
        return self.text

    def screen(self) -> list[str]:
        """The lines a terminal of this size shows after everything received so far."""
        screen = pyte.Screen(*self.size)
        pyte.ByteStream(screen).feed(self.raw)
        return [line.rstrip() for line in screen.display]

    def pump(self) -> asyncio.Task[None]:
        """Keep reading in the background (to watch several terminals at once with
        :func:`until`); ``wait_for`` must not be used on a pumped terminal."""

        async def read() -> None:
            while chunk := await self.process.stdout.read(65536):
                self.raw += chunk

        return asyncio.ensure_future(read())

    def shows(self, needle: str) -> bool:
        """Whether ``needle`` is on the rendered screen now."""
        return any(needle in line for line in self.screen())

    async def finish(self, timeout: float = TIMEOUT) -> int | None:
        """Read to the end of the session; its exit status."""
        async with asyncio.timeout(timeout):
            while chunk := await self.process.stdout.read(65536):
                self.raw += chunk
            completed = await self.process.wait()
        return completed.exit_status

    def type(self, keys: str) -> None:
        self.process.stdin.write(keys.encode())


async def until(condition: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> Any:
    """Wait until ``condition()`` (run in a thread, it may query the database) is truthy."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                value = await asyncio.to_thread(condition)
                if value:
                    return value
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"waited {timeout} s for {what or 'a condition'}") from None
