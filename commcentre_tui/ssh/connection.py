"""One SSH connection of ``serve-ssh``: key authentication, its limits, idle and disabled agents."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from typing import TYPE_CHECKING

import asyncssh

from commcentre_tui.repo.agents import LoginCandidate, login_candidate
from commcentre_tui.ssh.session import ConsoleSession, idle_words

if TYPE_CHECKING:
    from commcentre_tui.ssh.server import ConsoleServer

KEYS_ONLY_BANNER = (
    "commcentre accepts SSH keys only: ask your administrator to register your public key "
    "(commcentre agents add-key).\r\n"
)


class AgentConnection(asyncssh.SSHServer):
    """One SSH connection: authenticates an agent by key, then hands out console sessions."""

    def __init__(self, server: ConsoleServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.peer = ""
        self.username = ""
        self.candidate: LoginCandidate | None = None
        self.reasons: list[str] = []
        self.authenticated = False
        self.fingerprint = ""
        self.started = time.monotonic()
        self._banner_sent = False
        self._idle_timer: asyncio.TimerHandle | None = None
        self.idle_since = self.started
        """When the connection last had no console session (for the idle timeout)."""

    @property
    def agent_id(self) -> int | None:
        return self.candidate.agent_id if self.candidate else None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.peer = f"{peer[0]} {peer[1]}"
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        where = f"ssh from {self.peer.split()[0]}"
        if self.authenticated:
            minutes = (time.monotonic() - self.started) / 60
            detail = f"{where} as {self.username!r} ended after {minutes:.1f} min"
            self.server.audit_soon(
                "logout", agent_id=self.agent_id, entity_id=self.agent_id, detail=detail
            )
        elif self.reasons:
            detail = f"{where} as {self.username!r}: {'; '.join(self.reasons)}"
            self.server.audit_soon(
                "failed login", agent_id=None, entity_id=self.agent_id, detail=detail
            )

    def _refuse(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    async def begin_auth(self, username: str) -> bool:
        self.username = username[:60]
        try:
            self.candidate = await asyncio.to_thread(login_candidate, self.server.engine, username)
        except Exception as exc:
            sys.stderr.write(f"commcentre serve-ssh: cannot look up {username!r}: {exc}\n")
            self.candidate = None
        return True  # always ask for authentication (do not reveal who exists)

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprint = key.get_fingerprint("sha256")
        candidate = self.candidate
        if candidate is None:
            self._refuse(f"no agent is called {username!r}")
            return False
        if fingerprint not in candidate.fingerprints:
            self._refuse(f"the key {fingerprint} is not registered to {username}")
            return False
        if not candidate.active:
            self._refuse(f"the agent {username} is disabled")
            return False
        self.fingerprint = fingerprint
        return True

    def password_auth_supported(self) -> bool:
        return True  # offered only so that attempts are refused with a reason, and audited

    def validate_password(self, username: str, password: str) -> bool:
        self._refuse("password authentication was attempted; only SSH keys are accepted")
        if not self._banner_sent and self.conn is not None:
            self._banner_sent = True
            with contextlib.suppress(OSError):
                self.conn.send_auth_banner(KEYS_ONLY_BANNER)
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    async def auth_completed(self) -> None:
        refusal = self.server.admit_connection(self)
        if refusal is not None:
            await self.server.audit(
                "failed login",
                agent_id=None,
                entity_id=self.agent_id,
                detail=f"ssh from {self.peer.split()[0]} as {self.username!r}: {refusal}",
            )
            self.drop(refusal, too_many=True)
            return
        self.authenticated = True
        await self.server.audit(
            "login",
            agent_id=self.agent_id,
            entity_id=self.agent_id,
            detail=f"ssh from {self.peer.split()[0]} with key {self.fingerprint}",
        )
        self._watch_idle()

    def session_requested(self) -> ConsoleSession:
        return ConsoleSession(self)

    def has_sessions(self) -> bool:
        sessions = self.server.sessions | self.server.watches
        return any(s.connection is self for s in sessions)

    def session_ended(self) -> None:
        """A console session of this connection finished: the idle clock starts again."""
        if not self.has_sessions():
            self.idle_since = time.monotonic()
            self._watch_idle()

    def drop(self, reason: str, *, too_many: bool = False) -> None:
        """Disconnect, telling the client ``reason`` (``ssh`` prints it)."""
        if self.conn is None:
            return
        code = asyncssh.DISC_TOO_MANY_CONNECTIONS if too_many else asyncssh.DISC_BY_APPLICATION
        with contextlib.suppress(OSError, asyncssh.Error):
            self.conn.disconnect(code, f"commcentre: {reason}.")

    def _watch_idle(self) -> None:
        """Close the connection once it has had no console session for ``idle_timeout``."""
        timeout = self.server.options.idle_timeout
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if timeout <= 0 or self.conn is None:
            return
        if self.has_sessions():
            return  # the session has its own idle timeout; its end starts this clock again
        remaining = self.idle_since + timeout - time.monotonic()
        if remaining <= 0:
            self.drop(f"connection closed after {idle_words(timeout)} without a console session")
            return
        self._idle_timer = asyncio.get_running_loop().call_later(remaining, self._watch_idle)

    def connection_requested(self, *_args: object) -> bool:
        return False  # no direct TCP/IP forwarding

    def server_requested(self, *_args: object) -> bool:
        return False  # no remote port forwarding

    def unix_connection_requested(self, *_args: object) -> bool:
        return False

    def unix_server_requested(self, *_args: object) -> bool:
        return False
