"""A loopback SMTP server that records each accepted message's communication id and Message-ID.

Standard library only (asyncio on its own thread), so the bench can use it without the test
extras; the tests may use ``tests/comms/conftest.py``'s aiosmtpd sink instead — the drivers only
need ``port``, ``count()``, ``wait_for(n, timeout)``, ``communication_ids()`` and
``message_ids()``.
"""

from __future__ import annotations

import asyncio
import threading

from commcentre_tui.bench.smtp_protocol import AcceptingSmtp

WAIT = 30.0


class _Session(AcceptingSmtp):
    """Hands each accepted message to the sink."""

    greeting = b"reliability-sink"

    def __init__(self, sink: RecordingSmtpSink) -> None:
        self.sink = sink

    def on_message(self, message: bytes) -> None:
        self.sink.accept(message)


def _header(message: bytes, name: bytes) -> str:
    head = message.split(b"\r\n\r\n", 1)[0]
    prefix = name.lower() + b":"
    for line in head.split(b"\r\n"):
        if line.lower().startswith(prefix):
            return line[len(prefix) :].strip().decode("ascii", "replace")
    return ""


class RecordingSmtpSink:
    """An SMTP server on an ephemeral 127.0.0.1 port; :meth:`close` stops it."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self._ids: list[int] = []
        self._message_ids: list[str] = []
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(
            target=self._serve, args=(started,), daemon=True, name="reliability-smtp-sink"
        )
        self.thread.start()
        if not started.wait(WAIT):
            raise RuntimeError("The loopback SMTP sink did not start.")

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Session(self), "127.0.0.1", 0)
        )
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
