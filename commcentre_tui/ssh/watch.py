"""Watching an agent: a supervisor's read-only live view of an agent's console over ``serve-ssh``.

A :class:`Watch` tees what the agent's console writes to their SSH channel to the supervisor's
terminal as well. It starts with a full picture (the agent's console is asked to draw its whole
screen again), passes no keys on (the supervisor's ``q`` or Ctrl+C only ends the watch), tells a
supervisor whose terminal is smaller than the agent's so in one sentence (and shows the console
once the window is large enough), tells the agent's console who is watching (its header says
so), and audits its start and end. Who may watch whom is :func:`refusal`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commcentre_tui.errors import NotAllowed
from commcentre_tui.repo.actor_lookup import actor_for
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.text import inert

if TYPE_CHECKING:
    from commcentre_tui.ssh.server import ConsoleServer
    from commcentre_tui.ssh.session import ConsoleSession

#: The role whose supervisors may watch agents of every unit (others: their own unit only).
ALL_UNITS_ROLE = "admin"
#: Keys that end a watch: q, Q, Ctrl+C, Ctrl+D. Every other key is dropped.
END_KEYS = frozenset(b"qQ\x03\x04")
#: A terminal's key sequences (F2 is ``ESC O Q``, mouse reports are CSI …): not typed letters.
KEY_SEQUENCE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)?", re.DOTALL)
#: Sent to the watcher first: the alternate screen, no cursor, default colours, cleared.
CLEAR = b"\x1b[?1049h\x1b[?25l\x1b[0m\x1b[H\x1b[2J"


def parse_command(command: str) -> str | None:
    """The agent named by an SSH command ``watch NAME`` (``""`` for a bare ``watch``: list whom
    one may watch), or ``None`` for any other command."""
    words = command.split()
    if not words or words[0] != "watch" or len(words) > 2:
        return None
    return words[1] if len(words) == 2 else ""


def refusal(watcher: Actor, target: Actor) -> str | None:
    """Why ``watcher`` may not watch ``target`` (one sentence), or ``None`` if they may."""
    if not watcher.is_supervisor:
        return "Only supervisors may watch an agent's console."
    if watcher.agent_id == target.agent_id:
        return "You cannot watch your own console."
    if watcher.role_name != ALL_UNITS_ROLE and (
        watcher.unit is None or watcher.unit != target.unit
    ):
        mine = f"your unit ({inert(watcher.unit)})" if watcher.unit else "your unit (you have none)"
        return (
            f"{target.display_name or target.username} is not in {mine}; "
            "supervisors watch agents of their own unit, administrators any."
        )
    return None


@dataclass(frozen=True)
class Watchable:
    """An agent with a console open on this server whom the supervisor may watch."""

    username: str
    name: str
    unit: str | None


def find_actor(server: ConsoleServer, username: str) -> Actor | None:
    try:
        return actor_for(server.engine, server.settings, username)
    except NotAllowed:
        return None


def _consoles(server: ConsoleServer) -> dict[str, ConsoleSession]:
    """The running consoles by agent username (the oldest session of each agent)."""
    found: dict[str, ConsoleSession] = {}
    for session in sorted(server.sessions, key=lambda s: s.opened):
        process = session.process
        if process is not None and process.returncode is None:
            found.setdefault(session.connection.username, session)
    return found


def watchable(server: ConsoleServer, watcher: Actor) -> list[Watchable]:
    """(Thread) Whom ``watcher`` may watch now, by name."""
    found = []
    for username in sorted(_consoles(server)):
        target = find_actor(server, username)
        if target is not None and refusal(watcher, target) is None:
            name = inert(target.display_name or username)
            found.append(Watchable(username, name, inert(target.unit) if target.unit else None))
    return found


def find_target(
    server: ConsoleServer, watcher_name: str, username: str
) -> tuple[Actor, Actor, ConsoleSession] | str:
    """(Thread) The watcher, the watched and their console; or the sentence refusing it."""
    watcher = find_actor(server, watcher_name)
    if watcher is None:
        return "Your agent account is not active."
    if not watcher.is_supervisor:
        return "Only supervisors may watch an agent's console."
    target = find_actor(server, username)
    if target is None:
        return f"No active agent is called {inert(username)!r}."
    sentence = refusal(watcher, target)
    if sentence is not None:
        return sentence
    session = _consoles(server).get(target.username)
    if session is None:
        return f"{inert(target.display_name or username)} has no console open on this server."
    return watcher, target, session


class Watch:
    """One supervisor watching one console session: ``write`` sends bytes to the supervisor."""

    def __init__(
        self,
        server: ConsoleServer,
        watcher: Actor,
        target: Actor,
        session: ConsoleSession,
        write: Callable[[bytes], None],
        size: tuple[int, int],
        on_end: Callable[[str], None],
    ) -> None:
        self.server, self.watcher, self.target, self.session = server, watcher, target, session
        self._write, self._on_end = write, on_end
        self.size = size
        self.showing = False
        self.ended = False
        self.started = time.monotonic()

    @property
    def name(self) -> str:
        """The watcher's name as the agent sees it."""
        return inert(self.watcher.display_name or self.watcher.username)

    @property
    def target_name(self) -> str:
        return inert(self.target.display_name or self.target.username)

    def start(self) -> None:
        """Attach to the console, ask it for a full picture, audit the start."""
        self.session.add_watcher(self)
        self.check_size()
        self.server.audit_soon(
            "watch started",
            agent_id=self.watcher.agent_id,
            entity_id=self.target.agent_id,
            detail=f"{self.watcher.username} started watching {self.target.username}'s console",
        )

    def feed(self, data: bytes) -> None:
        """Bytes the watched console wrote to its agent."""
        if self.showing:
            self._write(data)

    def keys(self, data: bytes) -> None:
        """The watcher typed: q or Ctrl+C ends the watch; nothing reaches the agent."""
        if END_KEYS.intersection(KEY_SEQUENCE.sub(b"", data)):
            self.stop("")

    def resize(self, cols: int, rows: int) -> None:
        """The watcher's window changed."""
        self.size = (cols, rows)
        self.check_size()

    def check_size(self) -> None:
        """Show the console if the watcher's terminal is large enough; else say so."""
        cols, rows = self.size
        agent_cols, agent_rows = self.session.size[:2]
        fits = cols >= agent_cols and rows >= agent_rows
        if fits and not self.showing:
            self.showing = True
            self._write(CLEAR)
            self.session.request_repaint()
        elif not fits:
            self.showing = False
            self._write(
                CLEAR
                + f"Your terminal is {cols}×{rows}, smaller than {self.target_name}'s "
                f"{agent_cols}×{agent_rows}: make it at least that large to watch "
                "(q ends the watch).".encode()
            )

    def stop(self, sentence: str) -> None:
        """End the watch (``sentence`` says why, ``""`` when the watcher ended it)."""
        if self.ended:
            return
        self.ended = True
        self.session.remove_watcher(self)
        minutes = (time.monotonic() - self.started) / 60
        self.server.audit_soon(
            "watch ended",
            agent_id=self.watcher.agent_id,
            entity_id=self.target.agent_id,
            detail=(
                f"{self.watcher.username} stopped watching {self.target.username}'s console "
                f"after {minutes:.1f} min"
            ),
        )
        self._on_end(sentence)


async def begin(
    server: ConsoleServer,
    watcher_name: str,
    username: str,
    write: Callable[[bytes], None],
    size: tuple[int, int],
    on_end: Callable[[str], None],
) -> Watch | str:
    """Start watching ``username``'s console for ``watcher_name``; the watch, or a refusal (also
    audited)."""
    found = await asyncio.to_thread(find_target, server, watcher_name, username)
    if isinstance(found, str):
        conn_agent = await asyncio.to_thread(find_actor, server, watcher_name)
        await server.audit(
            "watch refused",
            agent_id=conn_agent.agent_id if conn_agent else None,
            entity_id=None,
            detail=f"{watcher_name} asked to watch {inert(username)!r}: {found}",
        )
        return found
    watcher, target, session = found
    if session.process is None or session.process.returncode is not None:
        return f"{inert(target.display_name or username)}'s console has just ended."
    watch = Watch(server, watcher, target, session, write, size, on_end)
    watch.start()
    return watch
