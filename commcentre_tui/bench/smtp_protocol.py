"""Just enough SMTP to accept mail (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), for the
loopback sinks of the benchmarks and the reliability scenarios. Standard library only."""

from __future__ import annotations

import asyncio
from typing import Any


class AcceptingSmtp(asyncio.Protocol):
    """Accepts every message and hands its raw bytes to :meth:`on_message`."""

    greeting = b"loopback-sink"

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""
        self.in_data = False
        transport.write(b"220 " + self.greeting + b" ESMTP\r\n")

    def on_message(self, message: bytes) -> None:
        """One accepted message (headers and body, dot-stuffing left as sent)."""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                message, self.buffer = self.buffer[:end], self.buffer[end + 5 :]
                self.in_data = False
                self.on_message(message)
                self.transport.write(b"250 2.0.0 queued\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.transport.write(b"250-" + self.greeting + b"\r\n250 8BITMIME\r\n")
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
