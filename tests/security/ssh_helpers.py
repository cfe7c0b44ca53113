"""Helpers of the SSH tests: `serve-ssh` on a copy of the test database with agents and their
keys, client connections, a client terminal that collects screen text, and condition waits."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncssh
import pyte
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.repo import agents as repo
from commcentre_tui.repo.db import make_engine
from commcentre_tui.repo.permissions import SYSTEM
from commcentre_tui.ssh.server import ConsoleServer, ServeOptions
from tests.console import data

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
TIMEOUT = float(os.environ.get("CC_TEST_SSH_TIMEOUT", "90"))
"""Safety net only: every wait ends as soon as its condition holds."""
TESTS_DIR = Path(__file__).resolve().parent.parent


def ssh_keys(*usernames: str) -> dict[str, asyncssh.SSHKey]:
    """A new ed25519 key per username."""
    return {name: asyncssh.generate_private_key("ssh-ed25519") for name in usernames}


def ssh_database(
    tmp_path: Path,
    sqlite_template: Path,
    settings: Settings,
    agents: Mapping[str, Mapping[str, Any]],
    keys: Mapping[str, asyncssh.SSHKey],
) -> tuple[str, Engine]:
    """A copy of the migrated SQLite template with ``agents`` (username → the other arguments of
    ``create_agent``), each with its key in ``keys``; its URL and an engine on it."""
    path = tmp_path / "ssh.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    for username, fields in agents.items():
        repo.create_agent(engine, settings, SYSTEM, username=username, **fields)
        repo.add_key(engine, SYSTEM, username, keys[username].export_public_key().decode())
    return url, engine


def serve_options(tmp_path: Path, url: str, **options: Any) -> ServeOptions:
    """`serve-ssh` options for the tests: an ephemeral port, the tests' config and host key."""
    return ServeOptions(
        port=0,
        host_key_path=tmp_path / "host_key",
        database_url=url,
        config_path=str(TESTS_DIR / "config.test.toml"),
        **options,
    )


@asynccontextmanager
async def serve_consoles(
    tmp_path: Path,
    sqlite_template: Path,
    settings: Settings,
    agents: Mapping[str, Mapping[str, Any]],
    keys: Mapping[str, asyncssh.SSHKey],
    *,
    customers: bool = False,
    grace_seconds: float = 10,
) -> AsyncIterator[tuple[ConsoleServer, Engine]]:
    """`serve-ssh` running real consoles on :func:`ssh_database` (with the console tests'
    customers when ``customers``); closed, its engine disposed, on leaving."""
    url, engine = ssh_database(tmp_path, sqlite_template, settings, agents, keys)
    if customers:
        data.build(engine)
    server = ConsoleServer(
        engine, settings, serve_options(tmp_path, url, grace_seconds=grace_seconds)
    )
    await server.start()
    try:
        yield server, engine
    finally:
        await server.close(grace=2)
        engine.dispose()


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


async def open_console(
    port: int, username: str, key: asyncssh.SSHKey, name: str, size: tuple[int, int] = (80, 24)
) -> tuple[asyncssh.SSHClientConnection, Terminal]:
    """``username``'s console over SSH, once it shows ``name`` (the agent's display name)."""
    conn = await connect(port, username, key)
    screen = await Terminal.open(conn, size=size)
    await screen.wait_for(name)
    return conn, screen


async def load_customer(screen: Terminal) -> None:
    """Load Eleni Kyriakou (C9000001, one of the console tests' customers) in the console on
    ``screen``: a quick search, then wait for her accounts."""
    screen.type("C9000001\r")
    await screen.wait_for("Accounts A9000001")


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
