"""`commcentre serve-ssh` against an asyncssh client on 127.0.0.1: who gets in, what they get."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.models import AuditEntry
from commcentre_tui.repo import agents as repo
from commcentre_tui.repo.permissions import SYSTEM
from commcentre_tui.ssh.server import ConsoleServer

from .conftest import audit_rows
from .ssh_helpers import Terminal, connect, serve_options, ssh_database, ssh_keys, until

PROBE = Path(__file__).with_name("ssh_probe.py")


@pytest.fixture
def keys() -> dict[str, asyncssh.SSHKey]:
    return ssh_keys("maria", "tom", "stranger")


@pytest.fixture
def ssh_db(
    tmp_path: Path, sqlite_template: Path, settings: Settings, keys: dict[str, asyncssh.SSHKey]
) -> Iterator[tuple[str, Engine]]:
    """A migrated SQLite file with Maria (active) and Tom (disabled), each with a key."""
    agents = {
        "maria": {"display_name": "Maria Kosta", "unit": "Care"},
        "tom": {"display_name": "Tom Baker"},
    }
    url, engine = ssh_database(tmp_path, sqlite_template, settings, agents, keys)
    repo.disable_agent(engine, SYSTEM, "tom")
    yield url, engine
    engine.dispose()


Start = Callable[..., Awaitable[ConsoleServer]]


@pytest.fixture
async def start(
    ssh_db: tuple[str, Engine], settings: Settings, tmp_path: Path
) -> AsyncIterator[Start]:
    """``await start(probe="", **options)``: a server on an ephemeral port (the probe instead of the
    console unless ``probe=None``)."""
    url, engine = ssh_db
    servers: list[ConsoleServer] = []

    async def go(probe: str | None = "", **options: Any) -> ConsoleServer:
        command = None
        if probe is not None:

            def command(user: str) -> list[str]:
                return [sys.executable, str(PROBE), user, probe]

        opts = serve_options(tmp_path, url, grace_seconds=5, console_command=command, **options)
        server = ConsoleServer(engine, settings, opts)
        await server.start()
        servers.append(server)
        return server

    yield go
    for server in servers:
        await server.close(grace=2)


def entries(engine: Engine, action: str) -> list[AuditEntry]:
    return audit_rows(engine, action)


async def test_a_known_key_gets_the_console(
    start: Start, ssh_db: tuple[str, Engine], keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start(probe=None)
    engine = ssh_db[1]
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        screen = await Terminal.open(conn)
        await screen.wait_for("Maria Kosta")
        login = entries(engine, "login")
        assert len(login) == 1 and login[0].entity_id == login[0].agent_id
        assert (
            server.host_key_fingerprint
            and keys["maria"].get_fingerprint("sha256") in login[0].detail
        )
    await until(lambda: entries(engine, "logout"))
    await until(lambda: not server.sessions)


async def test_an_unknown_key_is_refused_and_audited(
    start: Start, ssh_db: tuple[str, Engine], keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start()
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, "maria", keys["stranger"])
    failed = await until(lambda: entries(ssh_db[1], "failed login"))
    assert (
        "as 'maria': the key SHA256:" in failed[0].detail
        and "is not registered to maria" in failed[0].detail
    )
    assert failed[0].agent_id is None and failed[0].entity_id is not None
    assert not entries(ssh_db[1], "login")


async def test_an_unknown_agent_is_refused_and_audited(
    start: Start, ssh_db: tuple[str, Engine], keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start()
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, "ghost", keys["maria"])
    failed = await until(lambda: entries(ssh_db[1], "failed login"))
    assert "no agent is called 'ghost'" in failed[0].detail and failed[0].entity_id is None


async def test_a_disabled_agent_is_refused_and_audited(
    start: Start, ssh_db: tuple[str, Engine], keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start()
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, "tom", keys["tom"])
    failed = await until(lambda: entries(ssh_db[1], "failed login"))
    assert "the agent tom is disabled" in failed[0].detail


async def test_a_password_is_refused_and_audited(start: Start, ssh_db: tuple[str, Engine]) -> None:
    server = await start()
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, "maria", password="letmein")
    failed = await until(lambda: entries(ssh_db[1], "failed login"))
    assert "password authentication was attempted; only SSH keys are accepted" in failed[0].detail
    assert "letmein" not in failed[0].detail


async def test_no_commands_forwarding_or_sftp(
    start: Start, keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start()
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.run("cat /etc/passwd")
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_connection("127.0.0.1", server.port)
        with pytest.raises(asyncssh.Error):
            await conn.start_sftp_client()
        screen = await Terminal.open(conn, term=None)  # a shell without a terminal
        await screen.wait_for("needs a terminal")
        assert await screen.finish() == 1


async def test_terminal_type_colour_and_resize_reach_the_console(
    start: Start,
    keys: dict[str, asyncssh.SSHKey],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLORTERM", "server-own")  # must not leak into a client's session
    server = await start()
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        screen = await Terminal.open(
            conn, size=(100, 30), term="xterm-kitty", env={"COLORTERM": "truecolor", "EVIL": "1"}
        )
        await screen.wait_for("PROBE user=maria")
        assert "term=xterm-kitty colorterm=truecolor size=100x30 ctty=yes" in screen.text
        assert "screenshots=false" in screen.text  # no agent writes files on the server
        screen.process.change_terminal_size(132, 43)
        await screen.wait_for("SIZE 132x43")
        screen.type("hi")
        await screen.wait_for("GOT hi")
        plain = await Terminal.open(conn, size=(80, 24))
        await plain.wait_for("PROBE")
        assert "colorterm=- size=80x24" in plain.text
        screen.type("q")
        plain.type("q")
        assert await screen.finish() == 0


async def test_the_per_agent_session_limit_holds(
    start: Start, ssh_db: tuple[str, Engine], keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start(max_sessions_per_agent=2)
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        first, second = await Terminal.open(conn), await Terminal.open(conn)
        await first.wait_for("PROBE")
        await second.wait_for("PROBE")
        pids = {line.split("pid=")[1].split()[0] for line in (first.text, second.text)}
        assert len(pids) == 2  # a console process each
        async with await connect(server.port, "maria", keys["maria"]) as other:
            third = await Terminal.open(other)
            await third.wait_for("you already have 2 sessions open (the limit is 2)")
            assert await third.finish() == 1
        refused = await until(lambda: entries(ssh_db[1], "failed login"))
        assert "limit is 2" in refused[0].detail
        first.type("q")
        assert await first.finish() == 0
        await until(lambda: len(server.sessions) == 1)
        again = await Terminal.open(conn)
        await again.wait_for("PROBE")


async def test_the_total_session_limit_holds(
    start: Start, keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start(max_sessions=1, max_sessions_per_agent=5)
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        first = await Terminal.open(conn)
        await first.wait_for("PROBE")
        second = await Terminal.open(conn)
        await second.wait_for("the server's limit of 1 sessions is reached")
        assert await second.finish() == 1


async def test_an_idle_session_is_closed(start: Start, keys: dict[str, asyncssh.SSHKey]) -> None:
    server = await start(idle_timeout=0.5)
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        screen = await Terminal.open(conn)
        await screen.wait_for("PROBE")
        await screen.wait_for("closed after")
        assert "without input" in screen.text
        assert await screen.finish() == 129  # SIGHUP
    assert not server.sessions


async def test_shutdown_lets_consoles_finish_then_stops(
    start: Start, keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start()
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        screen = await Terminal.open(conn)
        await screen.wait_for("PROBE")
        closing = asyncio.ensure_future(server.close(grace=10))
        await screen.wait_for("FINISHING")
        await screen.wait_for("the server is shutting down")
        assert await screen.finish() == 0
        await closing
    with pytest.raises(OSError):
        await connect(server.port, "maria", keys["maria"])


async def test_shutdown_kills_a_console_that_does_not_finish(
    start: Start, keys: dict[str, asyncssh.SSHKey]
) -> None:
    server = await start(probe="stubborn")
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        screen = await Terminal.open(conn)
        await screen.wait_for("PROBE")
        closing = asyncio.ensure_future(server.close(grace=0.3))
        await screen.wait_for("the server is shutting down")
        assert await screen.finish() == 137  # SIGKILL after the grace period
        await closing


async def test_disabling_an_agent_ends_their_open_session(
    start: Start,
    ssh_db: tuple[str, Engine],
    keys: dict[str, asyncssh.SSHKey],
) -> None:
    server = await start(recheck_seconds=0.1)
    async with await connect(server.port, "maria", keys["maria"]) as conn:
        screen = await Terminal.open(conn)
        await screen.wait_for("PROBE")
        repo.disable_agent(ssh_db[1], SYSTEM, "maria")
        await screen.wait_for("your agent account was disabled")
        assert await screen.finish() == 129


def test_the_ssh_package_and_security_repo_never_import_textual() -> None:
    import subprocess

    code = (
        "import sys\n"
        "import commcentre_tui.ssh.server, commcentre_tui.ssh.session, commcentre_tui.bench.ssh\n"
        "import commcentre_tui.repo.presence, commcentre_tui.repo.audit_queries\n"
        "import commcentre_tui.repo.visibility, commcentre_tui.repo.roles_sync, commcentre_tui.repo.agents\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_the_command_serves_until_sigterm(
    ssh_db: tuple[str, Engine], tmp_path: Path, keys: dict[str, asyncssh.SSHKey]
) -> None:
    """`commcentre serve-ssh` end to end: host key created, real console, clean stop on SIGTERM."""
    import signal

    url, engine = ssh_db
    host_key = tmp_path / "cli_host_key"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "commcentre_tui",
        "serve-ssh",
        "--port",
        "0",
        "--host-key",
        str(host_key),
        "--database",
        url,
        "--grace",
        "5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        lines: list[str] = []
        async with asyncio.timeout(60):
            while not any(line.startswith("Serving") for line in lines):
                line = (await proc.stdout.readline()).decode()  # type: ignore[union-attr]
                assert line, (await proc.stderr.read()).decode()  # type: ignore[union-attr]
                lines.append(line)
        assert lines[0].startswith(f"Created the SSH host key {host_key}")
        assert host_key.stat().st_mode & 0o777 == 0o600
        port = int(lines[-1].split("127.0.0.1:")[1].split()[0])
        async with await connect(port, "maria", keys["maria"]) as conn:
            screen = await Terminal.open(conn)
            await screen.wait_for("Maria Kosta")
            proc.send_signal(signal.SIGTERM)
            await screen.wait_for("the server is shutting down")
            await screen.finish()
        async with asyncio.timeout(30):
            out, _ = await proc.communicate()
        assert proc.returncode == 0 and "Stopped." in out.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert [e.action for e in audit_rows(engine) if e.action in ("login", "logout")] == [
        "login",
        "logout",
    ]


def test_bad_serve_flags_are_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    from commcentre_tui.cli import main

    assert main(["serve-ssh", "--port", "70000"]) == 2
    assert capsys.readouterr().err == "commcentre: --port must be between 0 and 65535, not 70000.\n"
    assert main(["serve-ssh", "--max-sessions", "0"]) == 2


async def until_closed(conn: asyncssh.SSHClientConnection) -> None:
    async with asyncio.timeout(90):  # a safety net: it ends when the server closes it
        await conn.wait_closed()


async def test_a_connection_without_a_session_counts_against_the_limits(
    start: Start,
    ssh_db: tuple[str, Engine],
    keys: dict[str, asyncssh.SSHKey],
) -> None:
    """`ssh -N` holds a connection without a console: it takes a place like a session does."""
    server = await start(max_sessions_per_agent=1)
    async with await connect(server.port, "maria", keys["maria"]):  # no session opened
        await until(lambda: entries(ssh_db[1], "login"))
        second = await connect(server.port, "maria", keys["maria"])
        await until_closed(second)
        failed = await until(lambda: entries(ssh_db[1], "failed login"))
        assert "you already have 1 connection open (the limit is 1)" in failed[0].detail
        assert len(entries(ssh_db[1], "login")) == 1


async def test_a_connection_without_a_session_is_closed_when_idle(
    start: Start,
    ssh_db: tuple[str, Engine],
    keys: dict[str, asyncssh.SSHKey],
) -> None:
    server = await start(idle_timeout=0.5)
    conn = await connect(server.port, "maria", keys["maria"])
    await until_closed(conn)
    await until(lambda: entries(ssh_db[1], "logout"))
    assert not server.connections


async def test_disabling_an_agent_closes_their_connections_without_a_session(
    start: Start,
    ssh_db: tuple[str, Engine],
    keys: dict[str, asyncssh.SSHKey],
) -> None:
    server = await start(recheck_seconds=0.1)
    conn = await connect(server.port, "maria", keys["maria"])
    await until(lambda: entries(ssh_db[1], "login"))
    repo.disable_agent(ssh_db[1], SYSTEM, "maria")
    await until_closed(conn)
    await until(lambda: not server.connections)
