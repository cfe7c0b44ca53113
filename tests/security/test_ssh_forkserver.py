"""`serve-ssh` starts consoles from its fork server (a process that has imported the console):
each is still the session's own process, with the session's terminal, environment and agent, and
consoles still start the plain way if the fork server is gone."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import select

from commcentre_tui.config import Settings
from commcentre_tui.models import AgentSession
from commcentre_tui.repo.db import reading
from commcentre_tui.ssh.server import ConsoleServer

from .ssh_helpers import Terminal, connect, serve_consoles, ssh_keys, until


@pytest.fixture
def keys() -> dict[str, asyncssh.SSHKey]:
    return ssh_keys("maria", "tom")


@pytest.fixture
async def served(
    tmp_path: Path, sqlite_template: Path, settings: Settings, keys: dict[str, asyncssh.SSHKey]
) -> AsyncIterator[ConsoleServer]:
    agents = {"maria": {"display_name": "Maria Kosta"}, "tom": {"display_name": "Tom Baker"}}
    async with serve_consoles(tmp_path, sqlite_template, settings, agents, keys) as (server, _):
        yield server


def presence_rows(server: ConsoleServer) -> int:
    with reading(server.engine) as session:
        return len(session.execute(select(AgentSession)).all())


def status(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return line.split()[1]
    raise AssertionError(f"no {field} for {pid}")


async def test_each_session_gets_its_own_forked_console(
    served: ConsoleServer, keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = served
    assert server.fork is not None
    fork_pid = server.fork._proc.pid  # type: ignore[union-attr]
    async with (
        await connect(server.port, "maria", keys["maria"]) as maria_conn,
        await connect(server.port, "tom", keys["tom"]) as tom_conn,
    ):
        maria = await Terminal.open(
            maria_conn, size=(90, 28), term="xterm-kitty", env={"COLORTERM": "truecolor"}
        )
        tom = await Terminal.open(tom_conn, size=(80, 24))
        await maria.wait_for("Maria Kosta")
        await tom.wait_for("Tom Baker")
        by_agent = {s.connection.username: s.process for s in server.sessions}
        pids = {name: p.pid for name, p in by_agent.items() if p is not None and p.pid}
        assert set(pids) == {"maria", "tom"} and pids["maria"] != pids["tom"]
        for pid in pids.values():
            assert int(status(pid, "PPid")) == fork_pid  # forked, not a new interpreter
        # Each console has its session's terminal: Maria's says truecolor, Tom's does not.
        assert b"\x1b[38;2;" in maria.raw
        assert b"\x1b[38;5;" in tom.raw and b"\x1b[38;2;" not in tom.raw

        await until(lambda: presence_rows(server) == 2, what="both consoles' presence")
        tom_conn.abort()  # a dropped connection still hangs its console up
        process = by_agent["tom"]
        assert process is not None
        await until(lambda: process.returncode is not None, what="Tom's console to exit")
        assert process.returncode == 128 + signal.SIGHUP
        assert maria.process.exit_status is None  # hers goes on


async def test_consoles_still_start_without_the_fork_server(
    served: ConsoleServer, keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = served
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        first = await Terminal.open(conn)
        await first.wait_for("Maria Kosta")
        assert server.fork is not None and server.fork._proc is not None
        server.fork._proc.kill()  # the fork server dies; its console goes on
        await until(lambda: not server.fork.alive, what="the fork server to be gone")  # type: ignore[union-attr]
        second = await Terminal.open(conn)
        await second.wait_for("Maria Kosta")  # started as a new process instead
        first.type("\x11")
        # Its end is still noticed (by its pid: with nobody to report its status, 1).
        assert await first.finish() == 1
        assert second.process.exit_status is None
    await until(lambda: not server.sessions, what="the sessions to be released")
