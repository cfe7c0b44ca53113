"""A small, defensive asyncio client for the Asterisk Manager Interface (AMI).

The AMI is line-based text over TCP: the PBX sends one banner line (``Asterisk Call
Manager/5.0.x``), then blocks of ``Key: Value`` lines, each ended by a blank line. Actions carry
an ``ActionID`` that the PBX echoes in its ``Response`` block; ``Event`` blocks arrive unasked.

:class:`AmiClient` logs in, matches responses to actions, hands events to a callback, pings the
PBX to notice a dead link, and reconnects with capped exponential backoff (:mod:`.reconnect`). Its :attr:`state` is
a word for the status bar (see :mod:`commcentre_tui.cti.states`). A malformed block is logged
and skipped, never fatal. A refused login is not retried (retrying bad credentials only fills the
PBX's security log): the state stays ``login failed: <reason>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from time import perf_counter

from commcentre_tui.cti.events import CtiError
from commcentre_tui.cti.reconnect import TRANSIENT, Backoff, keep_connected
from commcentre_tui.cti.states import CONNECTED, OFF, StateMixin, login_failed
from commcentre_tui.text import inert

log = logging.getLogger(__name__)

#: Longest line accepted from the PBX; a longer one makes its block malformed.
LINE_LIMIT = 64 * 1024
#: Most lines in one block; more makes the block malformed (a runaway peer cannot eat memory).
BLOCK_LINE_LIMIT = 512


class LoginFailed(CtiError):
    """The PBX refused the manager login (the message is the PBX's reason)."""


class MalformedBlock(ValueError):
    """A block that is not ``Key: Value`` lines with an ``Event`` or ``Response``."""


class AmiMessage(Mapping[str, str]):
    """One AMI block: a read-only mapping with case-insensitive keys (first value wins).

    ``received`` is the :func:`time.perf_counter` reading when its first line arrived.
    """

    __slots__ = ("_data", "_keys", "received")

    def __init__(
        self, pairs: Mapping[str, str] | Sequence[tuple[str, str]] = (), received: float = 0.0
    ):
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        self._data: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        for key, value in items:
            folded = key.lower()
            if folded not in self._data:
                self._data[folded] = value
                self._keys[folded] = key
        self.received = received

    def __getitem__(self, key: str) -> str:
        return self._data[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        shown = {k: ("***" if k.lower() == "secret" else v) for k, v in self.items()}
        return f"AmiMessage({shown!r})"

    @property
    def name(self) -> str:
        """The ``Event`` name, or ``""`` for a response."""
        return self.get("Event", "")


def parse_block(lines: list[str], received: float = 0.0) -> AmiMessage:
    """The message in ``lines`` (without the blank line), or :class:`MalformedBlock`.

    Values are :func:`~commcentre_tui.text.inert`: a caller id such as ``99\\x1b]0;X\\x07``
    arrives with its escape characters made visible, never raw.
    """
    pairs: list[tuple[str, str]] = []
    for line in lines:
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key or any(ch.isspace() for ch in key):
            raise MalformedBlock(f"line {line[:60]!r} is not 'Key: Value'")
        pairs.append((key, inert(value.strip())))  # PBX text is shown: controls made visible
    message = AmiMessage(pairs, received)
    if "Event" not in message and "Response" not in message:
        raise MalformedBlock("the block has neither Event nor Response")
    return message


def format_action(action: str, action_id: str, fields: Mapping[str, str]) -> bytes:
    """The wire form of an action; CR/LF inside a value would inject lines, so it is refused."""
    lines = [("Action", action), ("ActionID", action_id), *fields.items()]
    out = []
    for key, value in lines:
        value = str(value)
        if any(ch in key or ch in value for ch in "\r\n") or ":" in key:
            raise ValueError(f"The AMI field {key!r} contains a line break or colon.")
        out.append(f"{key}: {value}\r\n")
    out.append("\r\n")
    return "".join(out).encode("utf-8")


class AmiClient(StateMixin):
    """One manager connection that keeps itself alive.

    ``on_event`` is called (in the event loop) with every well-formed ``Event`` block;
    an exception it raises is logged and the stream continues.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        on_event: Callable[[AmiMessage], None] | None = None,
        events: str = "call",
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        connect_timeout: float = 5.0,
        action_timeout: float = 10.0,
        ping_interval: float = 20.0,
    ) -> None:
        super().__init__(OFF)
        self.host, self.port = host, port
        self._username, self._secret = username, secret
        self.on_event = on_event
        self._events = events
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.connect_timeout, self.action_timeout = connect_timeout, action_timeout
        self.ping_interval = ping_interval
        self.logins = 0
        """Successful logins so far (each reconnect adds one)."""
        self.malformed = 0
        """Blocks skipped as malformed so far."""
        self._ids = itertools.count(1)
        self._id_prefix = f"cc{secrets.token_hex(3)}"
        self._pending: dict[str, asyncio.Future[AmiMessage]] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start connecting in the background (idempotent)."""
        if self._task is None or self._task.done():
            self._closing = False
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ami-client")

    async def close(self) -> None:
        """Log off (best effort), stop reconnecting and close; the state becomes ``off``."""
        self._closing = True
        if self.state == CONNECTED:
            with contextlib.suppress(Exception):
                await self.send_action("Logoff", timeout=1.0)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._set_state(OFF)

    @property
    def connected(self) -> bool:
        return self.state == CONNECTED

    # -- actions -------------------------------------------------------------------------------

    async def send_action(
        self, action: str, fields: Mapping[str, str] | None = None, *, timeout: float | None = None
    ) -> AmiMessage:
        """Send ``action`` and return the PBX's response block (``Response: Success|Error``)."""
        writer = self._writer
        if writer is None or writer.is_closing():
            raise CtiError(f"The telephone system is not connected (CTI is {self.state}).")
        return await self._request(writer, action, dict(fields or {}), timeout)

    async def originate(
        self,
        *,
        channel: str,
        exten: str,
        context: str,
        caller_id: str = "",
        channel_id: str | None = None,
        priority: str = "1",
        timeout_ms: int = 30000,
    ) -> AmiMessage:
        """Ask the PBX to ring ``channel`` and, once answered, dial ``exten`` in ``context``."""
        fields = {
            "Channel": channel,
            "Exten": exten,
            "Context": context,
            "Priority": priority,
            "Timeout": str(timeout_ms),
            "Async": "true",
        }
        if caller_id:
            fields["CallerID"] = caller_id
        if channel_id:
            fields["ChannelId"] = channel_id
        response = await self.send_action("Originate", fields)
        if response.get("Response", "").lower() != "success":
            reason = response.get("Message") or "no reason given"
            raise CtiError(f"The telephone system refused the call: {reason}.")
        return response

    async def _request(
        self,
        writer: asyncio.StreamWriter,
        action: str,
        fields: dict[str, str],
        timeout: float | None,
    ) -> AmiMessage:
        action_id = f"{self._id_prefix}-{next(self._ids)}"
        data = format_action(action, action_id, fields)
        future: asyncio.Future[AmiMessage] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = future
        try:
            writer.write(data)
            await writer.drain()
            return await asyncio.wait_for(future, timeout or self.action_timeout)
        except TimeoutError:
            raise CtiError(
                f"The telephone system did not answer the {action} action in time."
            ) from None
        except (ConnectionError, OSError) as exc:
            raise CtiError(
                f"The telephone system connection was lost during {action}: {exc}."
            ) from None
        finally:
            self._pending.pop(action_id, None)

    # -- connection loop -----------------------------------------------------------------------

    async def _run(self) -> None:
        def refused(exc: BaseException) -> None:
            log.error("AMI login to %s:%s refused: %s", self.host, self.port, exc)
            self._set_state(login_failed(str(exc)))

        await keep_connected(
            self._session,
            name=f"AMI connection to {self.host}:{self.port}",
            log=log,
            backoff=Backoff(self.backoff_initial, self.backoff_max),
            set_state=self._set_state,
            successes=lambda: self.logins,
            stopping=lambda: self._closing,
            fatal=(LoginFailed,),
            on_fatal=refused,
            transient=(*TRANSIENT, CtiError),
        )

    async def _session(self) -> None:
        """One connection: banner, login, then read until the PBX goes away."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, limit=LINE_LIMIT), self.connect_timeout
        )
        reader_task: asyncio.Task[None] | None = None
        pinger: asyncio.Task[None] | None = None
        try:
            banner = await asyncio.wait_for(reader.readline(), self.connect_timeout)
            if not banner:
                raise ConnectionError("the PBX closed the connection before its banner")
            text = inert(banner.decode("utf-8", "replace").strip())
            if "call manager" not in text.lower():
                log.warning("Unexpected AMI banner %r; trying to log in anyway", text[:80])
            reader_task = asyncio.get_running_loop().create_task(self._read_loop(reader))
            response = await self._request(
                writer,
                "Login",
                {"Username": self._username, "Secret": self._secret, "Events": self._events},
                self.connect_timeout,
            )
            if response.get("Response", "").lower() != "success":
                raise LoginFailed(response.get("Message") or "the PBX gave no reason")
            self._writer = writer
            self.logins += 1
            self._set_state(CONNECTED)
            log.info("AMI connected to %s:%s (%s)", self.host, self.port, text[:40])
            if self.ping_interval > 0:
                pinger = asyncio.get_running_loop().create_task(self._ping_loop(writer))
            await reader_task
            raise ConnectionError("the PBX closed the connection")
        finally:
            self._writer = None
            for task in (pinger, reader_task):
                if task is not None and not task.done():
                    task.cancel()
                if task is not None:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            self._fail_pending()
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _ping_loop(self, writer: asyncio.StreamWriter) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            try:
                await self._request(writer, "Ping", {}, self.action_timeout)
            except CtiError as exc:
                log.warning("AMI keep-alive failed (%s); reconnecting", exc)
                writer.transport.abort()
                return

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("the connection closed"))
        self._pending.clear()

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        """Read blocks until EOF, dispatching responses and events."""
        lines: list[str] = []
        problem: str | None = None
        started = 0.0
        while True:
            try:
                raw = await reader.readline()
            except ValueError:  # a line longer than LINE_LIMIT (the reader skipped it)
                problem = problem or f"a line longer than {LINE_LIMIT} bytes"
                continue
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.strip():
                if not lines and problem is None:
                    started = perf_counter()
                if len(lines) >= BLOCK_LINE_LIMIT:
                    problem = problem or f"more than {BLOCK_LINE_LIMIT} lines"
                else:
                    lines.append(line)
                continue
            if not lines and problem is None:
                continue
            block, lines, why, problem = lines, [], problem, None
            if why is None:
                try:
                    self._dispatch(parse_block(block, started))
                    continue
                except MalformedBlock as exc:
                    why = str(exc)
            self.malformed += 1
            log.warning("Ignored a malformed AMI block (%s): %r", why, block[:3])

    def _dispatch(self, message: AmiMessage) -> None:
        if "Event" in message:
            if self.on_event is not None:
                try:
                    self.on_event(message)
                except Exception:
                    log.exception("The AMI event handler failed on %s", message.name)
            return
        future = self._pending.get(message.get("ActionID", ""))
        if future is not None and not future.done():
            future.set_result(message)
        else:
            log.debug("AMI response for no pending action: %r", message)
