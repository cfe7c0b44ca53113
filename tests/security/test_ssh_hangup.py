"""The console ends with its terminal over `serve-ssh`: when the SSH connection drops (the
transport just closes: no EOF, no goodbye) under a loaded customer, the session's console
process exits and the agent's presence row is closed (a real console process on the server's
pty)."""

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
from tests.console import data

from .ssh_helpers import Terminal, connect, until

TESTS_DIR = Path(__file__).resolve().parent.parent
#: Safety net for the console to stop once the connection is gone (a failure, not a goal).
BUDGET = 60.0


@pytest.fixture
def key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
async def served(tmp_path: Path, sqlite_template: Path, settings: Settings,
                 key: asyncssh.SSHKey) -> AsyncIterator[tuple[ConsoleServer, Engine]]:
    """`serve-ssh` running real consoles on a SQLite file with Maria (her key) and a customer."""
    path = tmp_path / "ssh.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    repo.create_agent(engine, settings, SYSTEM, username="maria", display_name="Maria Kosta",
                      unit="Care")
    repo.add_key(engine, SYSTEM, "maria", key.export_public_key().decode())
    data.build(engine)
    options = ServeOptions(port=0, host_key_path=tmp_path / "host_key",
                           database_url=f"sqlite:///{path}",
                           config_path=str(TESTS_DIR / "config.test.toml"), grace_seconds=30)
    server = ConsoleServer(engine, settings, options)
    await server.start()
    yield server, engine
    await server.close(grace=2)
    engine.dispose()


def presence(engine: Engine) -> list[AgentSession]:
    with reading(engine) as session:
        return list(session.execute(select(AgentSession)).scalars())


async def test_a_dropped_connection_ends_the_console_and_its_presence(
        served: tuple[ConsoleServer, Engine], key: asyncssh.SSHKey) -> None:
    server, engine = served
    conn = await connect(server.port, "maria", key)
    screen = await Terminal.open(conn, size=(80, 24))
    await screen.wait_for("Maria Kosta")
    screen.type("C9000001\r")
    await screen.wait_for("Kyriakou")
    await until(lambda: presence(engine), what="the presence row")
    (session,) = server.sessions
    process = session.process
    assert process is not None and process.returncode is None

    conn.abort()  # the connection drops: no EOF, no goodbye, the transport just closes

    await until(lambda: process.returncode is not None, BUDGET, "the console to exit")
    assert process.returncode == 128 + signal.SIGHUP  # it ended itself (not killed after grace)
    await until(lambda: not server.sessions, BUDGET, "the session to be released")
    assert presence(engine) == []  # closed, not left to expire
