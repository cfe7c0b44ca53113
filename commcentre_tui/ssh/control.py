"""The control link between ``serve-ssh`` and a console it runs: JSON lines over a socketpair.

The console finds its end in the descriptor named by :data:`CONTROL_ENV`. What travels on it
(never a secret, never keystrokes):

- server → console: ``{"watchers": ["George Papas"]}`` (who is watching now: the header says
  so), ``{"repaint": true}`` (draw the whole screen again: a watcher just joined, or the
  supervisor came back from watching), ``{"agents": [{"username", "name", "unit"}]}`` (whom the
  supervisor may watch, the answer to ``list``), ``{"refused": "one sentence"}``.
- console → server: ``{"list": true}``, ``{"watch": "maria"}``.

The server decides everything from the SSH login; a console can only ask.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Callable
from typing import Any

#: The environment variable that carries the console's end of the link (a descriptor number).
CONTROL_ENV = "COMMCENTRE_SSH_CONTROL_FD"
#: A line longer than this is dropped (a confused peer must not grow our buffer without bound).
MAX_LINE = 64 * 1024

Message = dict[str, Any]


def encode(message: Message) -> bytes:
    """One message as one line."""
    return (json.dumps(message, ensure_ascii=True) + "\n").encode()


class LineReader:
    """Bytes in, complete JSON objects out (bad or oversized lines are skipped)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        if len(self._buffer) > MAX_LINE:
            self._buffer = b""
        messages = []
        for line in lines:
            if not line.strip() or len(line) > MAX_LINE:
                continue
            with contextlib.suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    messages.append(value)
        return messages


class ControlLink:
    """The server's end of one console's link; ``on_message`` gets each message the console sends."""

    def __init__(self, on_message: Callable[[Message], None]) -> None:
        self._ours, self._theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._ours.setblocking(False)
        self._on_message = on_message
        self._reader = LineReader()
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._ours.fileno(), self._read)
        self._open = True

    def child_fd(self) -> int:
        """The descriptor to hand to the console (inheritable in the child only)."""
        return self._theirs.fileno()

    def child_started(self) -> None:
        """The console has its copy: close ours, so its exit ends the link."""
        self._theirs.close()

    def send(self, message: Message) -> None:
        """Send ``message``; a console that does not read its link just misses it."""
        if not self._open:
            return
        with contextlib.suppress(OSError):
            self._ours.send(encode(message))

    def _read(self) -> None:
        try:
            data = self._ours.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        for message in self._reader.feed(data):
            self._on_message(message)

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        self._loop.remove_reader(self._ours.fileno())
        self._ours.close()
        self._theirs.close()
