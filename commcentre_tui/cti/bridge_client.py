"""The console side of the CTI bridge: :class:`BridgeCallSource`, a call source over TCP."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from typing import Any

from commcentre_tui.cti.bridge_protocol import LINE_LIMIT, _line, parse_bridge_url
from commcentre_tui.cti.events import CallEvent, CtiError
from commcentre_tui.cti.queue_events import queue_from_dict
from commcentre_tui.cti.reconnect import TRANSIENT, Backoff, keep_connected
from commcentre_tui.cti.source import CallSource
from commcentre_tui.cti.states import failed
from commcentre_tui.text import inert

log = logging.getLogger(__name__)


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
