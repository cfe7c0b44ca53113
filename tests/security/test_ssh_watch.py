"""Watching an agent over `serve-ssh`: a supervisor's read-only live view of an agent's console
(real consoles on the server's ptys, asyncssh clients on loopback, screens rendered with pyte)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.repo import agents as repo
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.ssh.server import ConsoleServer
from commcentre_tui.ssh.watch import parse_command, refusal

from .conftest import audit_rows
from .ssh_helpers import (
    Terminal,
    connect,
    load_customer,
    open_console,
    serve_consoles,
    ssh_keys,
    until,
)

#: username → (display name, role, unit)
PEOPLE = {
    "maria": ("Maria Kosta", "agent", "Care"),
    "george": ("George Papas", "supervisor", "Care"),
    "tina": ("Tina Lo", "agent", "Care"),
    "sam": ("Sam Reed", "supervisor", "Sales"),
}
F2 = "\x1bOQ"


@pytest.fixture
def keys() -> dict[str, asyncssh.SSHKey]:
    return ssh_keys(*PEOPLE)


@pytest.fixture
async def served(
    tmp_path: Path, sqlite_template: Path, settings: Settings, keys: dict[str, asyncssh.SSHKey]
) -> AsyncIterator[tuple[ConsoleServer, Engine]]:
    """`serve-ssh` running real consoles: Maria and Tina (agents), George (her supervisor, Care),
    Sam (supervisor of Sales), and the console tests' customers."""
    agents = {
        username: {"display_name": name, "role": role, "unit": unit}
        for username, (name, role, unit) in PEOPLE.items()
    }
    async with serve_consoles(
        tmp_path, sqlite_template, settings, agents, keys, customers=True
    ) as served:
        yield served


async def maria_with_a_customer(server: ConsoleServer, key: asyncssh.SSHKey) -> Terminal:
    """Maria's console over SSH (80×24) with Eleni Kyriakou loaded."""
    _conn, screen = await open_console(server.port, "maria", key, "Maria Kosta")
    await load_customer(screen)
    return screen


def same_screen(one: Terminal, other: Terminal) -> bool:
    return one.screen() == other.screen()


async def test_a_supervisor_watches_an_agent_read_only_and_it_is_audited(
    served: tuple[ConsoleServer, Engine], keys: dict[str, asyncssh.SSHKey]
) -> None:
    server, engine = served
    maria = await maria_with_a_customer(server, keys["maria"])
    maria.pump()
    george_conn = await connect(server.port, "george", keys["george"])
    george = await Terminal.open(george_conn, size=(80, 24), command="watch maria")
    george.pump()

    # On start the watcher gets the whole picture, not only what changes from now on.
    await until(lambda: george.shows("Eleni Kyriakou"), what="the customer on George's screen")
    # Maria sees who is watching, in her header (and so does George, in the mirror).
    await until(lambda: maria.shows("George Papas is watching"), what="the indicator")

    await until(lambda: same_screen(maria, george), what="George's screen equal to Maria's")

    # George's keys do nothing to Maria's console: F2 (ESC O Q), a search and Enter go nowhere,
    # and do not end the watch either.
    george.type(F2 + "Zebra\r")
    # Maria works on: her next customer shows on both screens.
    maria.type(F2 + "C9000002\r")
    await until(lambda: george.shows("Other Person"), what="the new customer on George's screen")
    await until(lambda: same_screen(maria, george))
    assert "Zebra" not in maria.text

    george.type("q")  # q ends the watch
    completed = await george.process.wait()
    assert completed.exit_status == 0
    await until(lambda: not maria.shows("is watching"), what="the indicator to go")
    assert maria.process.exit_status is None  # Maria's console goes on

    maria_id = repo.login_candidate(engine, "maria").agent_id  # type: ignore[union-attr]
    george_id = repo.login_candidate(engine, "george").agent_id  # type: ignore[union-attr]
    started = await until(lambda: audit_rows(engine, "watch started"))
    ended = await until(lambda: audit_rows(engine, "watch ended"))
    for row in (started[0], ended[0]):
        assert (row.agent_id, row.entity, row.entity_id) == (george_id, "agent", maria_id)
    assert "george started watching maria's console" in started[0].detail


@pytest.mark.parametrize(
    ("who", "target", "sentence"),
    [
        ("tina", "maria", "Only supervisors may watch an agent's console."),
        ("sam", "maria", "Maria Kosta is not in your unit (Sales)"),
        ("george", "nobody", "No active agent is called 'nobody'."),
        ("george", "tina", "Tina Lo has no console open on this server."),
    ],
)
async def test_who_may_not_watch_is_told_in_one_sentence(
    served: tuple[ConsoleServer, Engine],
    keys: dict[str, asyncssh.SSHKey],
    who: str,
    target: str,
    sentence: str,
) -> None:
    server, engine = served
    maria = await maria_with_a_customer(server, keys["maria"])
    async with await connect(server.port, who, keys[who]) as conn:
        watcher = await Terminal.open(conn, size=(80, 24), command=f"watch {target}")
        assert await watcher.finish() == 1
    assert sentence in watcher.text
    assert "Kyriakou" not in watcher.text
    refused = await until(lambda: audit_rows(engine, "watch refused"))
    assert sentence in refused[0].detail
    assert not audit_rows(engine, "watch started")
    assert "is watching" not in maria.text


async def test_a_smaller_terminal_is_told_so_then_watches_once_enlarged(
    served: tuple[ConsoleServer, Engine], keys: dict[str, asyncssh.SSHKey]
) -> None:
    server, _engine = served
    maria = await maria_with_a_customer(server, keys["maria"])
    maria.pump()
    async with await connect(server.port, "george", keys["george"]) as conn:
        george = await Terminal.open(conn, size=(60, 20), command="watch maria")
        await george.wait_for("Your terminal is 60×20, smaller than Maria Kosta's 80×24")
        assert "Kyriakou" not in george.text
        george.process.change_terminal_size(100, 30)
        george.size = (100, 30)
        await george.wait_for("Eleni Kyriakou")
        george.type("\x03")  # Ctrl+C ends it too
        assert await george.finish() == 0


async def test_watch_agent_from_the_supervisors_own_console(
    served: tuple[ConsoleServer, Engine], keys: dict[str, asyncssh.SSHKey]
) -> None:
    """Palette "Watch agent…" in George's console (served over SSH): pick Maria, see her console
    in place of his own, q brings his own back."""
    server, _engine = served
    maria = await maria_with_a_customer(server, keys["maria"])
    maria.pump()
    _conn, george = await open_console(server.port, "george", keys["george"], "George Papas")
    george.type("\x10")  # Ctrl+P: the palette
    await george.wait_for("Search for commands")
    george.type("Watch agent")
    await george.wait_for("Watch agent…")
    george.type("\r")
    await george.wait_for("Maria Kosta  maria · Care")  # the agents he may watch
    george.type("\r")
    george.pump()
    await until(lambda: george.shows("Eleni Kyriakou"), what="Maria's console on George's screen")
    await until(lambda: maria.shows("George Papas is watching"))
    await until(lambda: same_screen(maria, george))
    george.type(F2 + "Zebra\r")  # reaches neither console
    george.type("q")  # q ends the watch
    await until(lambda: not george.shows("Eleni Kyriakou"), what="George's own console back")
    await until(lambda: george.shows("George Papas (supervisor)"))
    await until(lambda: not maria.shows("is watching"))
    assert "Zebra" not in maria.text and not george.shows("Zebra")


def actor(role: str, unit: str | None, agent_id: int = 1) -> Actor:
    from commcentre_tui.roles import default_roles

    return Actor(
        agent_id=agent_id,
        username=f"u{agent_id}",
        role_name=role,
        role=default_roles()[role],
        display_name=f"U{agent_id}",
        unit=unit,
    )


def test_who_may_watch_whom() -> None:
    agent = actor("agent", "Care", 1)
    assert refusal(actor("supervisor", "Care", 2), agent) is None
    assert refusal(actor("admin", "Sales", 3), agent) is None  # an administrator: any unit
    assert refusal(actor("admin", None, 3), agent) is None
    assert refusal(actor("supervisor", "Sales", 4), agent) is not None
    assert refusal(actor("supervisor", None, 4), actor("agent", None, 5)) is not None
    assert refusal(actor("finance", "Care", 6), agent) is not None
    assert refusal(actor("supervisor", "Care", 2), actor("supervisor", "Care", 2)) is not None
    assert parse_command("watch maria") == "maria"
    assert parse_command("watch") == ""
    assert parse_command("cat /etc/passwd") is None
    assert parse_command("watch maria now") is None
