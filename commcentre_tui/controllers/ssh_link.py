"""The console's end of ``serve-ssh``'s control link (:mod:`commcentre_tui.ssh.control`).

Only a console served over SSH has one. Through it the console learns who is watching it (the
header says "George Papas is watching"), draws its whole screen again when asked (a watcher
joined, or its supervisor came back from watching), and asks, for a supervisor's "Watch agent…",
whom they may watch and to start watching.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from commcentre_tui.ssh.control import CONTROL_ENV, LineReader, Message, encode
from commcentre_tui.text import inert

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

log = logging.getLogger("commcentre.console")

Agents = list[dict[str, str]]


def watching_words(names: list[str]) -> str:
    """``"George Papas is watching"``, ``"Ann and Bob are watching"``, ``""`` for nobody."""
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} is watching"
    return f"{', '.join(names[:-1])} and {names[-1]} are watching"


class SshLink:
    """Reads the link on the console's event loop; writes are small and never block for long."""

    def __init__(self, app: CommCentreApp, sock: socket.socket) -> None:
        self.app = app
        self.sock = sock
        self.watchers: list[str] = []
        self._base_title = str(app.sub_title)
        self._reader = LineReader()
        self._waiting: list[Callable[[Agents], None]] = []
        sock.setblocking(False)
        asyncio.get_running_loop().add_reader(sock.fileno(), self._read)

    def _read(self) -> None:
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the server went away: the console goes on without the link
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            return
        for message in self._reader.feed(data):
            self._handle(message)

    def _handle(self, message: Message) -> None:
        if isinstance(message.get("watchers"), list):
            self.watchers = [inert(n) for n in message["watchers"] if isinstance(n, str)]
            words = watching_words(self.watchers)
            # the indicator first: at 80 columns the end of the title is cut
            self.app.sub_title = f"{words} · {self._base_title}" if words else self._base_title
        if message.get("repaint") is True:
            self.app.screen.refresh()
        if isinstance(message.get("agents"), list) and self._waiting:
            agents = [
                {k: inert(a.get(k) or "") for k in ("username", "name", "unit")}
                for a in message["agents"]
                if isinstance(a, dict)
            ]
            self._waiting.pop(0)(agents)
        if isinstance(message.get("refused"), str):
            self.app.notify(inert(message["refused"]), title="Watch agent", severity="warning")

    def _send(self, message: Message) -> None:
        with contextlib.suppress(OSError):
            self.sock.send(encode(message))

    def ask_agents(self, then: Callable[[Agents], None]) -> None:
        """Ask whom the signed-in supervisor may watch; ``then(agents)`` gets the answer."""
        self._waiting.append(then)
        self._send({"list": True})

    def watch(self, username: str) -> None:
        """Ask the server to show ``username``'s console on this terminal until q."""
        self._send({"watch": username})


def attach_ssh_link(app: CommCentreApp) -> SshLink | None:
    """Open the link named in the environment, if this console runs under ``serve-ssh``."""
    value = os.environ.get(CONTROL_ENV, "")
    if not value.isdigit():
        return None
    try:
        sock = socket.socket(fileno=int(value))
    except OSError as exc:
        log.warning("serve-ssh control link %s unusable: %s", value, exc)
        return None
    link = SshLink(app, sock)
    app.ssh_link = link
    return link


def ssh_link(app: CommCentreApp) -> SshLink | None:
    """The console's link, or ``None`` outside ``serve-ssh``."""
    link = getattr(app, "ssh_link", None)
    return link if isinstance(link, SshLink) else None
