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
import json
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.cti.ami import AmiClient, AmiMessage
from commcentre_tui.cti.bridge_protocol import DEFAULT_PORT, LINE_LIMIT, PROTOCOL, _line
from commcentre_tui.cti.events import CallEvent, CallTracker, CtiError, split_extension
from commcentre_tui.cti.listener import CtiListener
from commcentre_tui.cti.listener_source import audited_listener
from commcentre_tui.cti.queue_events import QueueUpdate, queue_to_dict, queue_update
from commcentre_tui.cti.source import originate_for
from commcentre_tui.cti.states import CONNECTED, CONNECTING, OFF, StateMixin, failed
from commcentre_tui.text import inert

log = logging.getLogger(__name__)

SUBSCRIBE_TIMEOUT = 10.0
CONSOLE_QUEUE = 1000


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
            self.listener = audited_listener(cti, engine, self, self._deliver, self._known)
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
