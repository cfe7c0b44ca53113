"""``commcentre serve-ssh``: the console for SSH clients, the way Charm's Wish serves terminal apps.

- Authentication is by public key only, against the keys of active agents (``commcentre agents
  add-key``); the SSH user name is the agent's username. Password attempts are refused (and the
  client is told why); keyboard-interactive, host-based and GSS authentication are off.
- Each session gets its own console *process* (``commcentre console --agent NAME``, forked from
  the fork server that has imported the console, :mod:`.forkserver`; a new Python process when
  there is none) on its own pseudo-terminal: TERM comes from the client, COLORTERM/LANG/LC_* when the client sends
  them, window changes are passed on (``TIOCSWINSZ`` + ``SIGWINCH``). No shell, no commands
  (``ssh host cmd`` is refused, but for ``watch NAME``: a supervisor watching an agent's console,
  read-only, :mod:`.watch`), no subsystems (SFTP/SCP), no port, X11 or agent forwarding.
- Limits: sessions per agent and in total, and authenticated connections per agent and in total
  (a connection without a session — ``ssh -N`` — counts too); sessions with no input and
  connections without a session for ``idle_timeout`` seconds are closed; unauthenticated
  connections are dropped after ``login_timeout``; a disabled agent's sessions and connections
  are closed within ``recheck_seconds``.
- Audit: ``login`` and ``logout`` per connection, ``failed login`` with the reason (unknown
  agent, unregistered key, disabled agent, password attempted, session limit); ``watch started``,
  ``watch ended`` and ``watch refused``.
- Shutdown (:meth:`ConsoleServer.close`): stop accepting, send every console ``SIGTERM``, wait up
  to ``grace_seconds`` for them to finish, then ``SIGKILL`` what is left and close connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.repo.audit import record
from commcentre_tui.repo.db import transaction
from commcentre_tui.ssh.connection import AgentConnection
from commcentre_tui.ssh.forkclient import ForkClient
from commcentre_tui.ssh.hostkey import DEFAULT_HOST_KEY_PATH, load_or_create_host_key
from commcentre_tui.ssh.session import ConsoleSession

#: Environment variables a client may set for its console (``SendEnv`` in OpenSSH).
CLIENT_ENV = ("COLORTERM", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_TIME", "LC_NUMERIC")


@dataclass
class ServeOptions:
    """How the server listens, limits and starts consoles."""

    host: str = "127.0.0.1"
    port: int = 2222
    host_key_path: Path = DEFAULT_HOST_KEY_PATH
    max_sessions: int = 20
    """Console sessions in total (each is a process of up to ~120 MB)."""
    max_sessions_per_agent: int = 2
    idle_timeout: float = 1800.0
    """Seconds without a keystroke before a session is closed; 0 = never."""
    grace_seconds: float = 10.0
    """How long consoles get to finish after SIGTERM/SIGHUP before they are killed."""
    login_timeout: float = 30.0
    recheck_seconds: float = 5.0
    """How often open connections are checked against the agents table (disabled agents' are
    closed)."""
    config_path: str | None = None
    """Passed to consoles as ``--config``."""
    database_url: str | None = None
    """Passed to consoles in the environment (never on the command line, where ``ps`` shows it)."""
    export_folder: str = ""
    """Where consoles' "Export results" writes (on this server); empty: exporting is off."""
    fork_server: bool = True
    """Start consoles from a fork server that has imported the console (:mod:`.forkserver`):
    faster logins, shared memory. Off: each console is a new Python process."""
    console_command: Callable[[str], list[str]] | None = field(default=None, repr=False)
    """Tests only (no flag or setting reaches it): argv to run instead of the console."""


class ConsoleServer:
    """The listener, the live sessions and their limits; one per ``serve-ssh`` process."""

    def __init__(self, engine: Engine, settings: Settings, options: ServeOptions) -> None:
        self.engine = engine
        self.settings = settings
        self.options = options
        self.sessions: set[ConsoleSession] = set()
        """Sessions running a console."""
        self.watches: set[ConsoleSession] = set()
        """``watch NAME`` sessions (no console of their own)."""
        self.connections: set[AgentConnection] = set()
        self.closing = False
        self.host_key_created = False
        self.host_key_fingerprint = ""
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._audits: set[asyncio.Task[None]] = set()
        self.fork: ForkClient | None = None

    async def start(self) -> None:
        """Load (or create) the host key and start listening."""
        key, self.host_key_created = await asyncio.to_thread(
            load_or_create_host_key, self.options.host_key_path
        )
        self.host_key_fingerprint = key.get_fingerprint("sha256")
        self._acceptor = await asyncssh.create_server(
            lambda: AgentConnection(self),
            self.options.host,
            self.options.port,
            server_host_keys=[key],
            server_version="commcentre",
            encoding=None,
            line_editor=False,
            allow_pty=True,
            x11_forwarding=False,
            agent_forwarding=False,
            gss_host=None,
            host_based_auth=False,
            kbdint_auth=False,
            login_timeout=self.options.login_timeout,
            keepalive_interval=30,
            keepalive_count_max=3,
        )
        if self.options.recheck_seconds > 0:
            self._watcher = asyncio.ensure_future(self._watch_agents())
        if self.options.fork_server and self.options.console_command is None:
            self.fork = ForkClient()
            try:
                await self.fork.start()
            except OSError as exc:  # consoles then start the plain way
                sys.stderr.write(f"commcentre serve-ssh: no fork server: {exc}\n")
                self.fork = None

    @property
    def port(self) -> int:
        """The port listened on (useful with ``port=0``)."""
        assert self._acceptor is not None
        return self._acceptor.get_port()

    # --- sessions and limits ------------------------------------------------------------------

    def admit(self, session: ConsoleSession) -> str | None:
        """Register ``session``, or the sentence saying why it may not start."""
        if self.closing:
            return "the server is shutting down"
        opts = self.options
        if len(self.sessions) >= opts.max_sessions:
            return f"the server's limit of {opts.max_sessions} sessions is reached"
        agent_id = session.connection.agent_id
        mine = sum(1 for s in self.sessions if s.connection.agent_id == agent_id)
        if mine >= opts.max_sessions_per_agent:
            return (
                f"you already have {mine} session{'s' if mine != 1 else ''} open "
                f"(the limit is {opts.max_sessions_per_agent}); close one and try again"
            )
        self.sessions.add(session)
        return None

    def release(self, session: ConsoleSession) -> None:
        self.sessions.discard(session)
        self.watches.discard(session)
        session.connection.session_ended()

    def admit_connection(self, connection: AgentConnection) -> str | None:
        """Whether an authenticated ``connection`` may stay, by the same limits as sessions:
        every connection counts, with or without a console session (``ssh -N``)."""
        if self.closing:
            return "the server is shutting down"
        opts = self.options
        others = [c for c in self.connections if c.authenticated and c is not connection]
        if len(others) >= opts.max_sessions:
            return f"the server's limit of {opts.max_sessions} connections is reached"
        mine = sum(1 for c in others if c.agent_id == connection.agent_id)
        if mine >= opts.max_sessions_per_agent:
            return (
                f"you already have {mine} connection{'s' if mine != 1 else ''} open "
                f"(the limit is {opts.max_sessions_per_agent}); close one and try again"
            )
        return None

    def console_args(self, username: str) -> list[str]:
        """The ``commcentre`` arguments of agent ``username``'s console."""
        args = ["console", "--agent", username]
        if self.options.config_path:
            args += ["--config", self.options.config_path]
        return args

    def console_argv(self, username: str) -> list[str]:
        """The command a session runs for agent ``username``."""
        if self.options.console_command is not None:
            return self.options.console_command(username)
        return [sys.executable, "-m", "commcentre_tui", *self.console_args(username)]

    def console_env(
        self, chan: asyncssh.SSHServerChannel[bytes], term: str, peer: str
    ) -> dict[str, str]:
        """The console's environment: this server's, with the client's terminal settings."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in CLIENT_ENV and k not in ("COMMCENTRE_AGENT", "TERM")
        }
        client = chan.get_environment()
        env.update({k: v for k, v in client.items() if k in CLIENT_ENV and "\0" not in v})
        env["TERM"] = term or "xterm-256color"
        env.setdefault("PYTHONUTF8", "1")
        env["SSH_CLIENT"] = peer
        env["COMMCENTRE_UI__SCREENSHOTS"] = "false"  # never write files on the server
        env["COMMCENTRE_UI__EXPORT_FOLDER"] = self.options.export_folder  # unless the admin says
        if self.options.database_url:
            env["COMMCENTRE_DATABASE__URL"] = self.options.database_url
        return env

    async def _watch_agents(self) -> None:
        """End the sessions of agents disabled while connected (checked every ``recheck_seconds``)."""
        from commcentre_tui.repo.agents import active_agent_ids

        while not self.closing:
            await asyncio.sleep(self.options.recheck_seconds)
            connections = [c for c in self.connections if c.authenticated]
            ids = {c.agent_id for c in connections if c.agent_id is not None}
            if not ids:
                continue
            try:
                active = await asyncio.to_thread(active_agent_ids, self.engine, ids)
            except Exception as exc:  # a database hiccup must not end anyone's session
                sys.stderr.write(f"commcentre serve-ssh: cannot check agents: {exc}\n")
                continue
            for session in list(self.sessions | self.watches):
                if session.connection.agent_id not in active:
                    session.end("disabled", signal.SIGHUP)
            for connection in connections:
                if connection.agent_id not in active and not connection.has_sessions():
                    connection.drop("your agent account was disabled")

    # --- audit --------------------------------------------------------------------------------

    async def audit(
        self, action: str, *, agent_id: int | None, entity_id: int | None, detail: str
    ) -> None:
        """Record an audit entry without blocking the event loop (failures are reported, not raised)."""

        def write() -> None:
            with transaction(self.engine) as session:
                record(
                    session,
                    agent_id=agent_id,
                    action=action,
                    entity="agent",
                    entity_id=entity_id,
                    detail=detail,
                )

        try:
            await asyncio.to_thread(write)
        except Exception as exc:  # the database being down must not take the server down
            sys.stderr.write(f"commcentre serve-ssh: could not audit {action}: {exc}\n")

    def audit_soon(
        self, action: str, *, agent_id: int | None, entity_id: int | None, detail: str
    ) -> None:
        """:meth:`audit` from a synchronous callback; :meth:`close` waits for it."""
        task = asyncio.ensure_future(
            self.audit(action, agent_id=agent_id, entity_id=entity_id, detail=detail)
        )
        self._audits.add(task)
        task.add_done_callback(self._audits.discard)

    # --- shutdown -----------------------------------------------------------------------------

    async def close(self, grace: float | None = None) -> None:
        """Stop accepting, let consoles finish (up to ``grace`` seconds), then end everything."""
        self.closing = True
        grace = self.options.grace_seconds if grace is None else grace
        if self._watcher is not None:
            self._watcher.cancel()
        if self._acceptor is not None:
            self._acceptor.close()
        sessions = list(self.sessions | self.watches)
        for session in sessions:
            session.end("shutdown", signal.SIGTERM, grace)
        tasks = [s.task for s in sessions if s.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=grace + 5)
        for connection in list(self.connections):
            if connection.conn is not None:
                connection.conn.close()
        waits = [c.conn.wait_closed() for c in list(self.connections) if c.conn is not None]
        if waits:
            await asyncio.wait([asyncio.ensure_future(w) for w in waits], timeout=5)
        if self._acceptor is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._acceptor.wait_closed(), 5)
        if self._audits:
            await asyncio.wait(list(self._audits), timeout=10)
        if self.fork is not None:
            await self.fork.close()


async def serve(
    engine: Engine,
    settings: Settings,
    options: ServeOptions,
    announce: Callable[[str], None] = print,
) -> None:
    """Run the server until SIGTERM, SIGINT or SIGHUP, then shut down cleanly."""
    server = ConsoleServer(engine, settings, options)
    await server.start()
    if server.host_key_created:
        announce(f"Created the SSH host key {options.host_key_path}.")
    idle = (
        f"{options.idle_timeout:g} s idle timeout"
        if options.idle_timeout > 0
        else "no idle timeout"
    )
    announce(
        f"Serving the console over SSH on {options.host}:{server.port} "
        f"(host key {server.host_key_fingerprint}; up to {options.max_sessions} sessions, "
        f"{options.max_sessions_per_agent} per agent; {idle}). Connect with "
        f"`ssh -p {server.port} USERNAME@{options.host}`; stop with Ctrl+C or SIGTERM."
    )
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
    count = len(server.sessions)
    announce(f"Shutting down: waiting up to {options.grace_seconds:g} s for {count} session(s).")
    await server.close()
    announce("Stopped.")
