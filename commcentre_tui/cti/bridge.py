"""The CTI bridge: one PBX connection (or listener endpoint) shared by a team's consoles.

``commcentre cti-bridge`` runs :class:`CtiBridge`; consoles with ``[cti] bridge_url`` use
:class:`BridgeCallSource`. The console-facing protocol is line-delimited JSON over TCP (one
UTF-8 JSON object per ``\\n``-terminated line, at most 64 KiB):

console → bridge
    ``{"op": "subscribe", "extension": "1001"}`` (first line, required);
    ``{"op": "originate", "id": "7", "number": "+35799123456"}``; ``{"op": "ping"}``.
bridge → console
    ``{"type": "hello", "protocol": 1, "extension": "1001"}`` (answer to subscribe);
    ``{"type": "state", "state": "connected"}`` (the bridge's PBX state, now and on change);
    ``{"type": "event", "event": {CallEvent.to_dict()}}`` (only this extension's calls);
    ``{"type": "queue", "queue": {queue_to_dict()}}`` (the PBX's queue news, to every console);
    ``{"type": "result", "id": "7", "ok": true}`` or ``{..., "ok": false, "error": "…"}``;
    ``{"type": "pong"}``; ``{"type": "error", "error": "…"}`` (then the bridge closes).

Consoles reconnect on their own with capped exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.cti.ami import AmiClient, AmiMessage
from commcentre_tui.cti.events import (
    CallEvent,
    CallTracker,
    CtiError,
    QueueUpdate,
    queue_from_dict,
    queue_to_dict,
    queue_update,
    split_extension,
)
from commcentre_tui.cti.listener import CtiListener
from commcentre_tui.cti.reconnect import TRANSIENT, Backoff, keep_connected
from commcentre_tui.cti.source import CallSource, audit_refusals, originate_for
from commcentre_tui.cti.states import CONNECTED, CONNECTING, OFF, StateMixin, failed
from commcentre_tui.text import inert

log = logging.getLogger(__name__)

PROTOCOL = 1
LINE_LIMIT = 64 * 1024
DEFAULT_PORT = 8766
SUBSCRIBE_TIMEOUT = 10.0
CONSOLE_QUEUE = 1000


def parse_bridge_url(url: str) -> tuple[str, int]:
    """``("10.0.0.5", 8766)`` from ``tcp://10.0.0.5:8766`` (or ``10.0.0.5:8766``)."""
    text = url.strip()
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    if parts.scheme != "tcp" or not parts.hostname:
        raise CtiError(f"The bridge URL {url!r} must look like tcp://host:port.")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise CtiError(f"The bridge URL {url!r} has an invalid port.") from None
    return parts.hostname, port


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


class _Console:
    """One connected console: a bounded send queue drained by its own task."""

    def __init__(self, writer: asyncio.StreamWriter, extension: str) -> None:
        self.writer = writer
        self.extension = extension
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(CONSOLE_QUEUE)
        self.task = asyncio.get_running_loop().create_task(self._drain())

    def send(self, obj: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(_line(obj))
        except asyncio.QueueFull:
            log.warning("Console for %s is not reading; disconnecting it", self.extension)
            self.writer.transport.abort()

    async def _drain(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while (data := await self.queue.get()) is not None:
                self.writer.write(data)
                await self.writer.drain()

    async def close(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, 1.0)
        self.task.cancel()
        self.writer.close()


class CtiBridge(StateMixin):
    """Keeps one upstream (AMI client or HTTP listener) and fans events out by extension."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        engine: Engine | None = None,
        **client_options: Any,
    ) -> None:
        super().__init__(OFF)
        cti = settings.cti
        self.host, self.port = host, port
        self.provider = cti.provider
        self.context = cti.dial_context
        self.engine = engine
        self._consoles: dict[str, set[_Console]] = defaultdict(set)
        self._trackers: dict[str, CallTracker] = {}
        self._server: asyncio.Server | None = None
        self.client: AmiClient | None = None
        self.listener: CtiListener | None = None
        if cti.provider == "asterisk":
            self.client = AmiClient(
                cti.host,
                cti.port,
                cti.username,
                cti.secret.get_secret_value(),
                on_event=self._on_ami_event,
                **client_options,
            )
            self.client.add_state_listener(self._upstream_state)
        else:
            self.listener = CtiListener(
                cti.listen_host,
                cti.listen_port,
                deliver=self._deliver,
                known_extension=self._known,
                token=cti.listener_token.get_secret_value(),
                on_refused=audit_refusals(engine, self),
            )
            self.listener.on_queue = self._queue_out

    @property
    def console_count(self) -> int:
        """Consoles connected now."""
        return sum(len(group) for group in self._consoles.values())

    async def start(self) -> None:
        """Listen for consoles (``port`` 0 picks one) and start the upstream."""
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, limit=LINE_LIMIT
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("CTI bridge: consoles connect to tcp://%s:%s", self.host, self.port)
        if self.client is not None:
            self.client.start()
            return
        assert self.listener is not None
        self._upstream_state(CONNECTING)
        try:
            await self.listener.start()
        except CtiError:
            self._upstream_state(failed("no listener token (set COMMCENTRE_CTI__LISTENER_TOKEN)"))
            return
        except OSError as exc:
            where = f"{self.listener.host}:{self.listener.port}"
            self._upstream_state(failed(f"cannot listen on {where} ({exc.strerror or exc})"))
            return
        self._upstream_state(CONNECTED)

    async def close(self) -> None:
        """Stop accepting consoles, disconnect them and close the upstream."""
        if self._server is not None:
            self._server.close()
        for group in list(self._consoles.values()):
            for console in list(group):
                await console.close()
        if self.client is not None:
            await self.client.close()
        if self.listener is not None:
            await self.listener.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None
        self._set_state(OFF)

    # -- upstream ------------------------------------------------------------------------------

    def _upstream_state(self, state: str) -> None:
        self._set_state(state)
        log.info("CTI bridge upstream: %s", state)
        for group in self._consoles.values():
            for console in group:
                console.send({"type": "state", "state": state})

    def _on_ami_event(self, message: AmiMessage) -> None:
        for extension, tracker in self._trackers.items():
            for event in tracker.feed(message):
                self._fan_out(extension, event)
        update = queue_update(message)
        if update is not None:
            self._queue_out(update)

    def _queue_out(self, update: QueueUpdate) -> None:
        """Queue news concerns the whole team: every console gets it (the Wallboard's data)."""
        line = {"type": "queue", "queue": queue_to_dict(update)}
        for group in self._consoles.values():
            for console in group:
                console.send(line)

    def _fan_out(self, extension: str, event: CallEvent) -> int:
        group = self._consoles.get(extension, ())
        for console in group:
            console.send({"type": "event", "event": event.to_dict()})
        return len(group)

    def _deliver(self, event: CallEvent) -> int:
        return self._fan_out(split_extension(event.extension)[1], event)

    async def _known(self, extension: str) -> bool:
        if self._consoles.get(split_extension(extension)[1]):
            return True
        if self.engine is None:
            return False
        from commcentre_tui.repo.cti_lookup import extension_exists

        return await asyncio.to_thread(extension_exists, self.engine, extension)

    # -- consoles ------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        console: _Console | None = None
        try:
            try:
                first = json.loads(await asyncio.wait_for(reader.readline(), SUBSCRIBE_TIMEOUT))
            except (TimeoutError, ValueError):
                first = None
            raw_ext = (
                first.get("extension")
                if isinstance(first, dict) and first.get("op") == "subscribe"
                else None
            )
            raw_ext = inert(raw_ext) if isinstance(raw_ext, str) else None  # (it is logged)
            extension = split_extension(raw_ext)[1] if isinstance(raw_ext, str) else ""
            if not extension:
                writer.write(
                    _line(
                        {
                            "type": "error",
                            "error": 'Send {"op": "subscribe", "extension": "…"} first.',
                        }
                    )
                )
                with contextlib.suppress(Exception):
                    await writer.drain()
                return
            console = _Console(writer, extension)
            self._trackers.setdefault(extension, CallTracker(raw_ext or extension))
            self._consoles[extension].add(console)
            log.info(
                "Console for extension %s connected (%d consoles)", extension, self.console_count
            )
            console.send({"type": "hello", "protocol": PROTOCOL, "extension": extension})
            console.send({"type": "state", "state": self.state})
            while True:
                try:
                    line = await reader.readline()
                except ValueError:
                    console.send({"type": "error", "error": "A line is longer than 64 KiB."})
                    return
                if not line:
                    return
                await self._handle(console, line)
        except (ConnectionError, OSError):
            return
        finally:
            if console is not None:
                self._consoles[console.extension].discard(console)
                log.info(
                    "Console for extension %s left (%d consoles)",
                    console.extension,
                    self.console_count,
                )
                await console.close()
            else:
                writer.close()

    async def _handle(self, console: _Console, line: bytes) -> None:
        try:
            msg = json.loads(line)
        except ValueError:
            console.send({"type": "error", "error": "Each line must be one JSON object."})
            return
        op = msg.get("op") if isinstance(msg, dict) else None
        if op == "ping":
            console.send({"type": "pong"})
        elif op == "originate":
            result: dict[str, Any] = {"type": "result", "id": msg.get("id"), "ok": True}
            try:
                if self.client is None:
                    raise CtiError("Click-to-dial needs the bridge's Asterisk provider.")
                await originate_for(
                    self.client,
                    self._trackers[console.extension],
                    str(msg.get("number", "")),
                    self.context,
                )
            except CtiError as exc:
                result.update(ok=False, error=str(exc))
            console.send(result)
        else:
            console.send({"type": "error", "error": f"Unknown op {op!r}."})


class BridgeCallSource(CallSource):
    """A console's link to ``commcentre cti-bridge``; its state is the bridge's PBX state."""

    provider = "bridge"

    def __init__(
        self,
        url: str,
        extension: str,
        *,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        connect_timeout: float = 5.0,
        action_timeout: float = 10.0,
        ping_interval: float = 20.0,
    ) -> None:
        super().__init__(extension)
        self.host, self.port = parse_bridge_url(url)
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.connect_timeout, self.action_timeout = connect_timeout, action_timeout
        self.ping_interval = ping_interval
        self.sessions = 0
        """Successful subscriptions so far (each reconnect adds one)."""
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._pong = asyncio.Event()

    async def _start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="cti-bridge-client")

    async def _close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def originate(self, number: str) -> None:
        writer = self._writer
        if writer is None or writer.is_closing():
            raise CtiError(f"The CTI bridge is not connected (CTI is {self.state}).")
        request_id = str(next(self._ids))
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            writer.write(_line({"op": "originate", "id": request_id, "number": number}))
            await writer.drain()
            result = await asyncio.wait_for(future, self.action_timeout)
        except TimeoutError:
            raise CtiError("The CTI bridge did not answer in time.") from None
        except (ConnectionError, OSError):
            raise CtiError("The connection to the CTI bridge was lost.") from None
        finally:
            self._pending.pop(request_id, None)
        if not result.get("ok"):
            raise CtiError(inert(result.get("error") or "The CTI bridge refused the call."))

    async def _run(self) -> None:
        def refused(exc: BaseException) -> None:
            self.detail = str(exc)
            self._set_state(failed(str(exc)))

        await keep_connected(
            self._session,
            name=f"CTI bridge {self.host}:{self.port}",
            log=log,
            backoff=Backoff(self.backoff_initial, self.backoff_max),
            set_state=self._set_state,
            successes=lambda: self.sessions,
            stopping=lambda: self._closed,
            fatal=(CtiError,),
            on_fatal=refused,
            transient=(*TRANSIENT, ValueError),
        )

    async def _session(self) -> None:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, limit=LINE_LIMIT), self.connect_timeout
        )
        pinger: asyncio.Task[None] | None = None
        try:
            writer.write(_line({"op": "subscribe", "extension": self.extension}))
            await writer.drain()
            hello = json.loads(
                await asyncio.wait_for(reader.readline(), self.connect_timeout) or b"null"
            )
            if not isinstance(hello, dict) or hello.get("type") != "hello":
                error = hello.get("error") if isinstance(hello, dict) else None
                if error:
                    raise CtiError(f"The CTI bridge refused this console: {inert(error)}")
                raise ConnectionError("the CTI bridge did not say hello")
            self._writer = writer
            self.sessions += 1
            if self.ping_interval > 0:
                pinger = asyncio.get_running_loop().create_task(self._ping_loop(writer))
            while line := await reader.readline():
                self._receive(line)
            raise ConnectionError("the CTI bridge closed the connection")
        finally:
            self._writer = None
            if pinger is not None:
                pinger.cancel()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("bridge connection closed"))
            writer.close()

    def _receive(self, line: bytes) -> None:
        try:
            msg = json.loads(line)
            kind = msg.get("type")
            if kind == "event":
                self._emit(CallEvent.from_dict(msg["event"]))
            elif kind == "queue":
                if self.on_queue is not None:
                    self.on_queue(queue_from_dict(msg["queue"]))
            elif kind == "state" and isinstance(msg.get("state"), str):
                self._set_state(inert(msg["state"]))
            elif kind == "result":
                future = self._pending.get(str(msg.get("id")))
                if future is not None and not future.done():
                    future.set_result(msg)
            elif kind == "pong":
                self._pong.set()
            elif kind == "error":
                log.warning("CTI bridge says: %s", inert(msg.get("error")))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("Ignored a bad line from the CTI bridge (%s): %r", exc, line[:80])

    async def _ping_loop(self, writer: asyncio.StreamWriter) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            self._pong.clear()
            writer.write(_line({"op": "ping"}))
            try:
                await asyncio.wait_for(self._pong.wait(), self.action_timeout)
            except TimeoutError:
                log.warning("The CTI bridge did not answer a ping; reconnecting")
                writer.transport.abort()
                return
