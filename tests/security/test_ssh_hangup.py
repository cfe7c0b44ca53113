"""The console ends with its terminal over `serve-ssh`: when the SSH connection drops (the
transport just closes: no EOF, no goodbye) under a loaded customer, the session's console
process exits, the agent's presence row is closed and a form being typed is autosaved (a real
console process on the server's pty)."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import Engine, select

from commcentre_tui.config import Settings
from commcentre_tui.controllers.comms.state import FORM
from commcentre_tui.models import AgentSession, FormDraft
from commcentre_tui.repo.db import reading
from commcentre_tui.ssh.server import ConsoleServer

from .ssh_helpers import load_customer, open_console, serve_consoles, ssh_keys, until

#: Safety net for the console to stop once the connection is gone (a failure, not a goal).
BUDGET = 60.0


@pytest.fixture
def key() -> asyncssh.SSHKey:
    return ssh_keys("maria")["maria"]


@pytest.fixture
async def served(
    tmp_path: Path, sqlite_template: Path, settings: Settings, key: asyncssh.SSHKey
) -> AsyncIterator[tuple[ConsoleServer, Engine]]:
    """`serve-ssh` running real consoles on a SQLite file with Maria (her key) and a customer."""
    maria = {"maria": {"display_name": "Maria Kosta", "unit": "Care"}}
    async with serve_consoles(
        tmp_path, sqlite_template, settings, maria, {"maria": key}, customers=True, grace_seconds=30
    ) as served:
        yield served


def presence(engine: Engine) -> list[AgentSession]:
    with reading(engine) as session:
        return list(session.execute(select(AgentSession)).scalars())


async def test_a_dropped_connection_ends_the_console_and_its_presence(
    served: tuple[ConsoleServer, Engine], key: asyncssh.SSHKey
) -> None:
    server, engine = served
    conn, screen = await open_console(server.port, "maria", key, "Maria Kosta")
    await load_customer(screen)
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
    conn, screen = await open_console(server.port, "maria", key, "Maria Kosta")
    await load_customer(screen)
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
