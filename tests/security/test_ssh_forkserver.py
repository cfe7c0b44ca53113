"""`serve-ssh` starts consoles from its fork server (a process that has imported the console):
each is still the session's own process, with the session's terminal, environment and agent, and
consoles still start the plain way if the fork server is gone."""

from __future__ import annotations

import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import Engine, select

from commcentre_tui.config import Settings
from commcentre_tui.models import AgentSession
from commcentre_tui.repo import agents as repo
from commcentre_tui.repo.db import make_engine, reading
from commcentre_tui.repo.permissions import SYSTEM
from commcentre_tui.ssh.server import ConsoleServer, ServeOptions

from .ssh_helpers import Terminal, connect, until

TESTS_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def keys() -> dict[str, asyncssh.SSHKey]:
    return {name: asyncssh.generate_private_key("ssh-ed25519") for name in ("maria", "tom")}


@pytest.fixture
async def served(
    tmp_path: Path, sqlite_template: Path, settings: Settings, keys: dict[str, asyncssh.SSHKey]
) -> AsyncIterator[ConsoleServer]:
    path = tmp_path / "ssh.db"
    shutil.copyfile(sqlite_template, path)
    engine: Engine = make_engine(f"sqlite:///{path}")
    for username, name in (("maria", "Maria Kosta"), ("tom", "Tom Baker")):
        repo.create_agent(engine, settings, SYSTEM, username=username, display_name=name)
        repo.add_key(engine, SYSTEM, username, keys[username].export_public_key().decode())
    options = ServeOptions(
        port=0,
        host_key_path=tmp_path / "host_key",
        database_url=f"sqlite:///{path}",
        config_path=str(TESTS_DIR / "config.test.toml"),
        grace_seconds=10,
    )
    server = ConsoleServer(engine, settings, options)
    await server.start()
    yield server
    await server.close(grace=2)
    engine.dispose()


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
