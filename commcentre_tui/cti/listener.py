"""The CTI event listener: a small HTTP/1.1 endpoint any PBX or dialler can POST call events to.

``POST /events`` with a JSON object ``{"event": "ringing"|"answered"|"hangup", "extension":
"1001", "caller": "+35799123456", "case_number"?: "CS0000042", "email"?: "a@b.example",
"call_id"?: "...", "direction"?: "incoming"|"outgoing", "at"?: "2024-05-01T09:30:00Z"}``, or
a queue's figures for the Wallboard: ``{"event": "queue", "queue": "support", "waiting": 3,
"longest_wait": 42}`` (seconds), or a caller who hung up waiting: ``{"event": "queue", "queue":
"support", "abandoned": "<call id>", "wait"?: 42}``.
Answers ``202`` when accepted, ``400`` (invalid JSON or fields), ``404`` (no agent has the
extension), always with a JSON body (``{"status": "accepted"}`` or ``{"error": "<sentence>"}``).
``GET /health`` answers ``200``. Standard library only; one request per connection.

Every ``POST`` proves it knows the shared secret (``[cti] listener_token``, environment only):
``Authorization: Bearer <token>``, or ``X-Commcentre-Signature: sha256=<hex HMAC-SHA256 of the
body keyed with the token>``. Anything else is ``401`` and audited (``on_refused``, at most one
report per :data:`REFUSAL_REPORT_SECONDS` with the count). Without a token the listener does not
start.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from commcentre_tui.cti.events import CallEvent, CtiError
from commcentre_tui.cti.listener_payload import (
    BadEvent,
    CallIds,
    event_from_payload,
    queue_from_payload,
)
from commcentre_tui.cti.queue_events import QueueUpdate

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
MAX_HEADERS = 64
REQUEST_TIMEOUT = 10.0
#: Refused posts are reported (log + audit) at most once per this many seconds, with the count.
REFUSAL_REPORT_SECONDS = 10.0
SIGNATURE_HEADER = "x-commcentre-signature"
NO_TOKEN = "The CTI listener needs a shared secret; set COMMCENTRE_CTI__LISTENER_TOKEN."
_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
}

#: Delivers an accepted event (returns how many consoles got it, or None).
Deliver = Callable[[CallEvent], Any]
#: Whether an extension is known (an agent has it); may be sync or async.
KnownExtension = Callable[[str], bool | Awaitable[bool]]
#: Told about refused posts: (peer address, reason, how many were refused since the last report).
OnRefused = Callable[[str, str, int], Any]
#: Another ``POST`` path (e.g. ``/sms``): given the authenticated JSON body, returns the HTTP
#: status and JSON answer. It runs in a thread (it may write to the database).
Route = Callable[[Any], tuple[int, dict[str, Any]]]


def authorised(token: str, headers: dict[str, str], body: bytes) -> str | None:
    """``None`` when the request proves it knows ``token``, else why not (for the audit)."""
    auth = headers.get("authorization", "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if auth:
        scheme, _, given = auth.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return None
        return "wrong bearer token"
    if signature:
        expected = "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(signature.strip().lower().encode(), expected.encode()):
            return None
        return "wrong body signature"
    return "no token"


class CtiListener:
    """The HTTP endpoint; ``deliver`` receives each accepted :class:`CallEvent`."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        deliver: Deliver,
        known_extension: KnownExtension,
        token: str = "",
        on_refused: OnRefused | None = None,
        routes: dict[str, Route] | None = None,
        events: bool = True,
    ) -> None:
        self.host, self.port = host, port
        self._routes = dict(routes or {})
        self._events = events
        self._deliver = deliver
        self._known = known_extension
        self._token = token
        self._on_refused = on_refused
        self._server: asyncio.Server | None = None
        self._call_ids = CallIds()
        self.accepted = 0
        """Events accepted so far."""
        self.refused = 0
        """Posts refused for want of the token so far."""
        self._unreported = 0
        self._reported_at: float | None = None
        self._last_refusal = ("", "")
        self._flush: asyncio.TimerHandle | None = None
        self.on_queue: Callable[[QueueUpdate], Any] | None = None
        """Receives each accepted ``queue`` event (the PBX's figures for one queue)."""

    async def start(self) -> None:
        """Bind and listen (``port`` 0 picks a free port; :attr:`port` then says which).

        :class:`CtiError` (:data:`NO_TOKEN`) without a token: nobody could post, and a listener
        anyone may post to would let any local process pop screens.
        """
        if not self._token:
            raise CtiError(NO_TOKEN)
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, limit=MAX_BODY, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("CTI listener on http://%s:%s/events", self.host, self.port)

    async def close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._report()  # the refusals counted since the last report
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    def _refuse(self, peer: str, reason: str) -> None:
        """Count a refused post; report it (log + ``on_refused``) at most every few seconds —
        the ones in between go into the next report (a timer, or :meth:`close`, sends it)."""
        self.refused += 1
        self._unreported += 1
        self._last_refusal = (peer, reason)
        now = time.monotonic()
        if self._reported_at is not None and now - self._reported_at < REFUSAL_REPORT_SECONDS:
            if self._flush is None:
                wait = REFUSAL_REPORT_SECONDS - (now - self._reported_at)
                self._flush = asyncio.get_running_loop().call_later(wait, self._report)
            return
        self._report()

    def _report(self) -> None:
        self._flush = None
        if not self._unreported:
            return
        (peer, reason), count = self._last_refusal, self._unreported
        self._unreported, self._reported_at = 0, time.monotonic()
        log.warning(
            "CTI listener refused %d post(s) without the token (last from %s: %s)",
            count,
            peer,
            reason,
        )
        if self._on_refused is not None:
            try:
                self._on_refused(peer, reason, count)
            except Exception:
                log.exception("Could not audit a refused CTI post")

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if isinstance(peername, tuple) else str(peername)
        try:
            status, body, extra = await asyncio.wait_for(
                self._respond(reader, peer), REQUEST_TIMEOUT
            )
        except TimeoutError:
            status, body, extra = 400, {"error": "The request was not received in time."}, {}
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            return
        except Exception:
            log.exception("The CTI listener failed on a request")
            status, body, extra = 500, {"error": "The listener failed; see its log."}, {}
        payload = json.dumps(body).encode()
        head = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in extra.items()),
        ]
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
            await writer.drain()
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _respond(
        self, reader: asyncio.StreamReader, peer: str = ""
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            request_line = (await reader.readline()).decode("latin-1").strip()
        except ValueError:
            return 400, {"error": "The request line is too long."}, {}
        parts = request_line.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            return 400, {"error": "This is an HTTP/1.1 endpoint: POST JSON to /events."}, {}
        method, target = parts[0].upper(), parts[1].split("?", 1)[0]
        headers: dict[str, str] = {}
        while True:
            try:
                line = (await reader.readline()).decode("latin-1").strip()
            except ValueError:
                return 400, {"error": "A request header is too long."}, {}
            if not line:
                break
            if len(headers) >= MAX_HEADERS:
                return 400, {"error": "The request has too many headers."}, {}
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if target == "/health" and method == "GET":
            return 200, {"status": "ok"}, {}
        paths = [*(["/events"] if self._events else []), *self._routes]
        if target not in paths:
            return (
                404,
                {"error": f"There is nothing at {target[:60]}; POST to {' or '.join(paths)}."},
                {},
            )
        if method != "POST":
            return 405, {"error": "Send it with POST."}, {"Allow": "POST"}
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return 411, {"error": "Send the body with a Content-Length, not chunked."}, {}
        try:
            length = int(headers["content-length"])
        except (KeyError, ValueError):
            return 411, {"error": "The request needs a Content-Length header."}, {}
        if length < 0 or length > MAX_BODY:
            return 413, {"error": f"The body must be at most {MAX_BODY} bytes."}, {}
        body = await reader.readexactly(length)
        refusal = authorised(self._token, headers, body)
        if refusal is not None:
            self._refuse(peer, refusal)
            return (
                401,
                {
                    "error": "Send the listener token: Authorization: Bearer <token>, or "
                    f"{SIGNATURE_HEADER.title()}: sha256=<HMAC-SHA256 of the body>."
                },
                {"WWW-Authenticate": 'Bearer realm="commcentre-cti"'},
            )
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return 400, {"error": f"The body is not valid JSON ({exc})."}, {}
        if target in self._routes:
            status, answer = await asyncio.to_thread(self._routes[target], data)
            if status < 300:
                self.accepted += 1
            return status, answer, {}
        if isinstance(data, dict) and str(data.get("event", "")).lower() == "queue":
            try:
                update = queue_from_payload(data)
            except BadEvent as exc:
                return 400, {"error": str(exc)}, {}
            self.accepted += 1
            if self.on_queue is not None:
                self.on_queue(update)
            return 202, {"status": "accepted"}, {}
        try:
            event = event_from_payload(data)
        except BadEvent as exc:
            return 400, {"error": str(exc)}, {}
        known = self._known(event.extension)
        if inspect.isawaitable(known):
            known = await known
        if not known:
            return 404, {"error": f"No agent has the extension {event.extension}."}, {}
        if not event.call_id:
            event = replace(event, call_id=self._call_ids.for_event(event.event, event.extension))
        self.accepted += 1
        delivered = self._deliver(event)
        body_out: dict[str, Any] = {"status": "accepted", "call_id": event.call_id}
        if isinstance(delivered, int):
            body_out["consoles"] = delivered
        return 202, body_out, {}
