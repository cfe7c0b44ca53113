"""A fake Asterisk Manager Interface on loopback speaking the real wire protocol, and waiting helpers.

The fake sends the banner ``Asterisk Call Manager/5.0.2``, answers ``Login`` with ``Response:
Success`` or ``Response: Error`` + ``Message: Authentication failed`` (then hangs up, as Asterisk
does), echoes every ``ActionID``, answers ``Ping``/``Originate``/``Logoff``, records every action it
receives, and pushes ``Event`` blocks (or raw bytes) to logged-in clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from commcentre_tui.cti.events import CallEvent
from commcentre_tui.cti.states import StateMixin

SAFETY = 5.0  # seconds: a safety net for awaits, never a synchronisation
#: Fast reconnects for tests (the production default starts at 0.5 s and caps at 30 s).
FAST = {"backoff_initial": 0.01, "backoff_max": 0.05, "ping_interval": 0}
#: The CTI listener's shared secret in the tests, and the header that proves it.
TOKEN = "t0ken-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def block(**fields: str) -> bytes:
    """An AMI block from keyword fields (``Event`` first if given)."""
    return ("".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


class FakeAsterisk:
    """One fake PBX; ``await start()``, then ``port``."""

    def __init__(
        self,
        username: str = "commcentre",
        secret: str = "s3cret",
        banner: str = "Asterisk Call Manager/5.0.2",
    ) -> None:
        self.username, self.secret, self.banner = username, secret, banner
        self.port = 0
        self.login_attempts = 0
        self.logins = 0
        self.actions: list[dict[str, str]] = []
        self.last_write = 0.0
        self.silent: set[str] = set()
        """Action names (lower case) the fake records but never answers."""
        self._clients: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Condition()

    async def start(self) -> FakeAsterisk:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        await self.drop()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait (with a safety timeout) until ``predicate()`` holds."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), SAFETY)

    def actions_named(self, name: str) -> list[dict[str, str]]:
        return [a for a in self.actions if a.get("Action", "").lower() == name.lower()]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"{self.banner}\r\n".encode())
        fields: dict[str, str] = {}
        try:
            while line := await reader.readline():
                text = line.decode().rstrip("\r\n")
                if text:
                    key, _, value = text.partition(":")
                    fields[key.strip()] = value.strip()
                    continue
                if fields:
                    keep = await self._action(fields, writer)
                    fields = {}
                    if not keep:
                        break
        except ConnectionError:
            pass
        finally:
            if writer in self._clients:
                self._clients.remove(writer)
            writer.close()
            await self._notify()

    async def _action(self, fields: dict[str, str], writer: asyncio.StreamWriter) -> bool:
        self.actions.append(fields)
        name = fields.get("Action", "").lower()
        aid = fields.get("ActionID", "")
        keep = True
        if name in self.silent:
            pass
        elif name == "login":
            self.login_attempts += 1
            if fields.get("Username") == self.username and fields.get("Secret") == self.secret:
                self.logins += 1
                self._clients.append(writer)
                writer.write(
                    block(Response="Success", ActionID=aid, Message="Authentication accepted")
                )
            else:
                writer.write(block(Response="Error", ActionID=aid, Message="Authentication failed"))
                keep = False
        elif name == "ping":
            writer.write(
                block(Response="Success", ActionID=aid, Ping="Pong", Timestamp="1700000000.0")
            )
        elif name == "originate":
            writer.write(
                block(Response="Success", ActionID=aid, Message="Originate successfully queued")
            )
        elif name == "logoff":
            writer.write(
                block(Response="Goodbye", ActionID=aid, Message="Thanks for all the fish.")
            )
            keep = False
        else:
            writer.write(block(Response="Error", ActionID=aid, Message="Invalid/unknown command"))
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        await self._notify()
        return keep

    async def send(self, data: bytes) -> None:
        """Write raw bytes to every logged-in client."""
        self.last_write = time.perf_counter()
        for writer in list(self._clients):
            writer.write(data)
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    async def event(self, name: str, **fields: str) -> None:
        await self.send(block(Event=name, Privilege="call,all", **fields))

    async def drop(self) -> None:
        """The PBX goes away: close every client connection."""
        for writer in list(self._clients):
            writer.close()
        self._clients.clear()

    # -- realistic call scripts (Asterisk 13+ event sequences) ---------------------------------

    async def ring(self, ext: str, caller: str, n: int, tech: str = "PJSIP") -> None:
        """A trunk call from ``caller`` dials ``ext``: Newchannel, DialBegin, Newstate Ringing."""
        trunk, agent = f"PJSIP/trunk-{n:08x}", f"{tech}/{ext}-{n + 1:08x}"
        linked = f"1700000000.{n}"
        await self.event(
            "Newchannel",
            Channel=trunk,
            ChannelState="4",
            ChannelStateDesc="Ring",
            CallerIDNum=caller,
            ConnectedLineNum="<unknown>",
            Exten=ext,
            Uniqueid=linked,
            Linkedid=linked,
        )
        await self.event(
            "Newchannel",
            Channel=agent,
            ChannelState="0",
            ChannelStateDesc="Down",
            CallerIDNum=ext,
            ConnectedLineNum=caller,
            Exten="s",
            Uniqueid=f"1700000000.{n + 1}",
            Linkedid=linked,
        )
        await self.event(
            "DialBegin",
            Channel=trunk,
            CallerIDNum=caller,
            Uniqueid=linked,
            Linkedid=linked,
            DestChannel=agent,
            DestCallerIDNum=ext,
            DestConnectedLineNum=caller,
            DestUniqueid=f"1700000000.{n + 1}",
            DestLinkedid=linked,
            DialString=ext,
        )
        await self.event(
            "Newstate",
            Channel=agent,
            ChannelState="5",
            ChannelStateDesc="Ringing",
            CallerIDNum=ext,
            ConnectedLineNum=caller,
            Uniqueid=f"1700000000.{n + 1}",
            Linkedid=linked,
        )

    async def answer(self, ext: str, n: int, tech: str = "PJSIP") -> None:
        agent, linked = f"{tech}/{ext}-{n + 1:08x}", f"1700000000.{n}"
        await self.event(
            "Newstate",
            Channel=agent,
            ChannelState="6",
            ChannelStateDesc="Up",
            Uniqueid=f"1700000000.{n + 1}",
            Linkedid=linked,
        )
        await self.event(
            "BridgeEnter",
            BridgeUniqueid="b-1",
            Channel=agent,
            Uniqueid=f"1700000000.{n + 1}",
            Linkedid=linked,
        )

    async def hangup(self, ext: str, n: int, tech: str = "PJSIP") -> None:
        await self.event(
            "Hangup",
            Channel=f"{tech}/{ext}-{n + 1:08x}",
            Uniqueid=f"1700000000.{n + 1}",
            Linkedid=f"1700000000.{n}",
            Cause="16",
            **{"Cause-txt": "Normal Clearing"},
        )
        await self.event(
            "Hangup",
            Channel=f"PJSIP/trunk-{n:08x}",
            Uniqueid=f"1700000000.{n}",
            Linkedid=f"1700000000.{n}",
            Cause="16",
        )


class EventReader:
    """Reads a source's :meth:`events` one at a time with a safety timeout."""

    def __init__(self, events: AsyncIterator[CallEvent]) -> None:
        self._it = events.__aiter__()

    async def next(self) -> CallEvent:
        return await asyncio.wait_for(self._it.__anext__(), SAFETY)

    async def take(self, n: int) -> list[CallEvent]:
        return [await self.next() for _ in range(n)]


class StateLog:
    """Every state an observable goes through, with waiting for one."""

    def __init__(self, observable: StateMixin) -> None:
        self.states: list[str] = [observable.state]
        self._observable = observable
        self._changed = asyncio.Event()
        observable.add_state_listener(self._on)

    def _on(self, state: str) -> None:
        self.states.append(state)
        self._changed.set()

    async def wait_sequence(self, *expected: str, since: int = 0) -> None:
        """Wait until ``expected`` appear in order among the states recorded after ``since``."""

        def found() -> bool:
            it = iter(self.states[since:])
            return all(any(s == want for s in it) for want in expected)

        async def loop() -> None:
            while not found():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(loop(), SAFETY)

    def mark(self) -> int:
        """A position in :attr:`states` to wait from (take it before causing a change)."""
        return len(self.states)

    async def wait(self, predicate: Callable[[str], bool] | str, since: int | None = None) -> str:
        """Wait until the state satisfies ``predicate`` (or equals it).

        With ``since`` (a :meth:`mark`), any state passed through after the mark counts, so a
        quick ``reconnecting`` → ``connected`` is not missed.
        """
        test: Callable[[str], Any] = (
            (lambda s: s == predicate) if isinstance(predicate, str) else predicate
        )

        async def loop() -> str:
            while True:
                seen = self.states[since:] if since is not None else [self._observable.state]
                for state in seen:
                    if test(state):
                        return state
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(loop(), SAFETY)
