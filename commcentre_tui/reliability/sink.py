"""A loopback SMTP server that records each accepted message's communication id and Message-ID.

Standard library only (asyncio on its own thread), so the bench can use it without the test
extras; the tests may use ``tests/comms/conftest.py``'s aiosmtpd sink instead — the drivers only
need ``port``, ``count()``, ``wait_for(n, timeout)``, ``communication_ids()`` and
``message_ids()``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

WAIT = 30.0


class _Session(asyncio.Protocol):
    """Just enough SMTP to accept mail: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self, sink: RecordingSmtpSink) -> None:
        self.sink = sink
        self.buffer = b""
        self.in_data = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(b"220 reliability-sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                message, self.buffer = self.buffer[:end], self.buffer[end + 5:]
                self.in_data = False
                self.sink.accept(message)
                self.transport.write(b"250 2.0.0 queued\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.transport.write(b"250-reliability-sink\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.buffer = b"\r\n" + self.buffer  # an empty body still ends in CRLF.CRLF
                self.transport.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 OK\r\n")


def _header(message: bytes, name: bytes) -> str:
    head = message.split(b"\r\n\r\n", 1)[0]
    prefix = name.lower() + b":"
    for line in head.split(b"\r\n"):
        if line.lower().startswith(prefix):
            return line[len(prefix):].strip().decode("ascii", "replace")
    return ""


class RecordingSmtpSink:
    """An SMTP server on an ephemeral 127.0.0.1 port; :meth:`close` stops it."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self._ids: list[int] = []
        self._message_ids: list[str] = []
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(started,), daemon=True,
                                       name="reliability-smtp-sink")
        self.thread.start()
        if not started.wait(WAIT):
            raise RuntimeError("The loopback SMTP sink did not start.")

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Session(self), "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    def accept(self, message: bytes) -> None:
        cid = _header(message, b"X-CommCentre-Communication")
        with self.cond:
            self._ids.append(int(cid) if cid.isdigit() else -1)
            self._message_ids.append(_header(message, b"Message-ID"))
            self.cond.notify_all()

    def count(self) -> int:
        with self.cond:
            return len(self._ids)

    def wait_for(self, count: int, timeout: float = WAIT) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self._ids) >= count, timeout)

    def communication_ids(self) -> list[int]:
        with self.cond:
            return list(self._ids)

    def message_ids(self) -> list[str]:
        with self.cond:
            return list(self._message_ids)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
