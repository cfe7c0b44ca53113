"""The SSH benchmarks' harness: one console server on loopback with a throw-away agent and key,
and its client sessions (bytes in, ANSI-stripped text out)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import tempfile
import time
from pathlib import Path

import asyncssh
from sqlalchemy import Engine, func, select
from sqlmodel import col

from commcentre_tui.config import Settings
from commcentre_tui.ssh.server import ConsoleServer, ServeOptions

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
F2 = "\x1bOQ"
BENCH_AGENT, BENCH_NAME = "bench-ssh", "Bench Ssh-Agent"


class Screen:
    """A client session: bytes in, ANSI-stripped text out."""

    def __init__(self, process: asyncssh.SSHClientProcess) -> None:  # type: ignore[type-arg]  # asyncssh's classes are generic only in its stubs
        self.process = process
        self.raw = b""

    def text(self, since: int = 0) -> str:
        return ANSI.sub(b"", self.raw[since:]).decode("utf-8", errors="replace")

    async def wait_for(self, needle: str, since: int = 0, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while needle not in self.text(since):
                chunk = await self.process.stdout.read(65536)
                if not chunk:
                    raise RuntimeError(f"session ended before {needle!r}: {self.text()[-1500:]!r}")
                self.raw += chunk

    def type(self, keys: str) -> None:
        self.process.stdin.write(keys.encode())


class Bench:
    """One server and the client side of the measurements."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        database_url: str,
        config_path: str | None,
        *,
        fork_server: bool = True,
    ):
        self.engine, self.settings = engine, settings
        self.database_url, self.config_path = database_url, config_path
        self.key = asyncssh.generate_private_key("ssh-ed25519")
        self.server: ConsoleServer | None = None
        self.fork_server = fork_server
        self.prefixes: list[str] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="cc-ssh-bench-")

    async def __aenter__(self) -> Bench:
        await asyncio.to_thread(self._setup)
        options = ServeOptions(
            port=0,
            host_key_path=Path(self._tmp.name) / "host_key",
            max_sessions=500,
            max_sessions_per_agent=500,
            idle_timeout=0,
            grace_seconds=5,
            database_url=self.database_url,
            config_path=self.config_path,
            recheck_seconds=0,
            fork_server=self.fork_server,
        )
        self.server = ConsoleServer(self.engine, self.settings, options)
        await self.server.start()
        if self.server.fork is not None:  # a running server's fork server has long been ready
            await asyncio.wait_for(self.server.fork.ready.wait(), 120)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.server is not None:
            await self.server.close(grace=5)
        await asyncio.to_thread(self._teardown)
        self._tmp.cleanup()

    def _setup(self) -> None:
        from commcentre_tui.models import Contact
        from commcentre_tui.repo import agents
        from commcentre_tui.repo.db import reading
        from commcentre_tui.repo.permissions import SYSTEM

        if agents.login_candidate(self.engine, BENCH_AGENT) is None:
            agents.create_agent(
                self.engine,
                self.settings,
                SYSTEM,
                username=BENCH_AGENT,
                display_name=BENCH_NAME,
                role="agent",
            )
        agents.enable_agent(self.engine, SYSTEM, BENCH_AGENT)
        agents.add_key(self.engine, SYSTEM, BENCH_AGENT, self.key.export_public_key().decode())
        with reading(self.engine) as session:
            names = (
                session.execute(
                    select(col(Contact.last_name))
                    .where(col(Contact.last_name).is_not(None))
                    .group_by(col(Contact.last_name))
                    .having(func.count() >= 3)
                    .limit(400)
                )
                .scalars()
                .all()
            )
        self.prefixes = sorted({n[:3] for n in names if n and len(n) >= 3 and n[:3].isalpha()})
        if not self.prefixes:
            raise RuntimeError("the database has no contacts to search; run `commcentre db seed`")

    def _teardown(self) -> None:
        from commcentre_tui.repo import agents
        from commcentre_tui.repo.permissions import SYSTEM

        with contextlib.suppress(Exception):
            agents.remove_key(self.engine, SYSTEM, BENCH_AGENT, self.key.get_fingerprint("sha256"))

    async def open(self) -> tuple[asyncssh.SSHClientConnection, Screen, float]:
        """Connect and wait for the first frame; the seconds it took."""
        assert self.server is not None
        started = time.perf_counter()
        conn = await asyncssh.connect(
            "127.0.0.1",
            self.server.port,
            username=BENCH_AGENT,
            client_keys=[self.key],
            known_hosts=None,
            agent_path=None,
            config=(),
            preferred_auth="publickey",
        )
        process = await conn.create_process(
            term_type="xterm-256color", term_size=(120, 35), encoding=None
        )
        screen = Screen(process)
        await screen.wait_for(BENCH_NAME)
        return conn, screen, time.perf_counter() - started

    def _expected(self, prefix: str) -> list[str]:
        from commcentre_tui.repo.search.api import Condition, search_contacts

        page = search_contacts(self.engine, self.settings, [Condition("any", "like", prefix)])
        return [hit.customer_number for hit in page.hits]

    async def search(self, screen: Screen, previous: list[str]) -> tuple[float, list[str]] | None:
        """One Quick Search through the console; seconds until its first hit is on screen."""
        prefix = random.choice(self.prefixes)
        numbers = await asyncio.to_thread(self._expected, prefix)
        if len(numbers) < 2 or numbers[0] in previous:
            return None
        screen.type(F2)
        await asyncio.sleep(0.3)  # an agent's pause; keys sent at once can outrun the focus change
        screen.type(prefix)
        mark = len(screen.raw)
        started = time.perf_counter()
        screen.type("\r")
        await screen.wait_for(numbers[0], since=mark, timeout=30)
        return time.perf_counter() - started, numbers
