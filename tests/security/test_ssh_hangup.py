"""The console ends with its terminal over `serve-ssh`: when the SSH connection drops (the
transport just closes: no EOF, no goodbye) under a loaded customer, the session's console
process exits, the agent's presence row is closed and a form being typed is autosaved (a real
console process on the server's pty)."""

from __future__ import annotations

import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import Engine, select

from commcentre_tui.config import Settings
from commcentre_tui.controllers.comms.state import FORM
from commcentre_tui.models import AgentSession, FormDraft
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
async def served(
    tmp_path: Path, sqlite_template: Path, settings: Settings, key: asyncssh.SSHKey
) -> AsyncIterator[tuple[ConsoleServer, Engine]]:
    """`serve-ssh` running real consoles on a SQLite file with Maria (her key) and a customer."""
    path = tmp_path / "ssh.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    repo.create_agent(
        engine, settings, SYSTEM, username="maria", display_name="Maria Kosta", unit="Care"
    )
    repo.add_key(engine, SYSTEM, "maria", key.export_public_key().decode())
    data.build(engine)
    options = ServeOptions(
        port=0,
        host_key_path=tmp_path / "host_key",
        database_url=f"sqlite:///{path}",
        config_path=str(TESTS_DIR / "config.test.toml"),
        grace_seconds=30,
    )
    server = ConsoleServer(engine, settings, options)
    await server.start()
    yield server, engine
    await server.close(grace=2)
    engine.dispose()


def presence(engine: Engine) -> list[AgentSession]:
    with reading(engine) as session:
        return list(session.execute(select(AgentSession)).scalars())


async def test_a_dropped_connection_ends_the_console_and_its_presence(
    served: tuple[ConsoleServer, Engine], key: asyncssh.SSHKey
) -> None:
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


def autosaved(engine: Engine) -> dict[str, str] | None:
    """The values of Maria's autosaved communication form, if any."""
    with reading(engine) as session:
        draft = session.execute(select(FormDraft).where(FormDraft.form == FORM)).scalars().first()
        return draft.payload.get("values") if draft is not None else None


async def test_a_form_typed_over_ssh_is_autosaved_when_the_connection_drops(
    served: tuple[ConsoleServer, Engine], key: asyncssh.SSHKey
) -> None:
    """Typing into the communication form over `serve-ssh`, then the connection drops: the
    console saves what was typed before it exits, and offers it again on the next start."""
    server, engine = served
    conn = await connect(server.port, "maria", key)
    screen = await Terminal.open(conn, size=(80, 24))
    await screen.wait_for("Maria Kosta")
    screen.type("C9000001\r")
    await screen.wait_for("Accounts A9000001")  # the customer is loaded
    screen.type("\x14")  # Ctrl+T: the Action Panel
    await screen.wait_for("Actions for Eleni Kyriakou")
    screen.type("create a comm\r")
    await screen.wait_for("Direction")  # the communication form is open
    screen.type("\t" * 5 + "Promised a callback")  # direction, media, category, recipient, template
    await screen.wait_for("Promised a callback")
    screen.type("\tCall her back on Monday")
    await screen.wait_for("Call her back on Monday")
    (session,) = server.sessions
    process = session.process
    assert process is not None and process.returncode is None and autosaved(engine) is None

    conn.abort()

    await until(lambda: process.returncode is not None, BUDGET, "the console to exit")
    assert process.returncode == 128 + signal.SIGHUP
    values = autosaved(engine)
    assert values is not None, screen.text[-3000:]
    assert values["subject"] == "Promised a callback"
    assert values["content"] == "Call her back on Monday"
