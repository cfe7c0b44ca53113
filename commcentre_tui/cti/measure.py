"""Speed of the screen pop's headless half: a ringing event's bytes on the AMI socket → the
:class:`~commcentre_tui.cti.events.CallEvent` → :func:`~commcentre_tui.repo.cti_lookup.lookup_caller`
finished (in a worker thread, as the console does it).

A minimal in-process PBX on loopback logs the client in and writes one ``Newstate … Ringing``
block per call for a number sampled from the database (plus a share of unknown numbers); the
clock starts just before the bytes are written. The console integrator adds the "customer view
populated" part on top. ``bench`` registers :func:`measure_ring_to_lookup` as ``cti.ring_to_lookup``.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
from time import perf_counter
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.config_channels import CtiSettings
from commcentre_tui.cti.source import AmiCallSource
from commcentre_tui.cti.states import CONNECTED
from commcentre_tui.repo.cti_lookup import contact_count, lookup_caller, sample_caller_numbers
from commcentre_tui.repo.db import backend_name

CASE = "cti.ring_to_lookup"
EXTENSION = "1001"


class _ReplayPbx:
    """Just enough AMI: banner, accept any login, answer actions, write what it is told."""

    def __init__(self) -> None:
        self.port = 0
        self.writer: asyncio.StreamWriter | None = None
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/5.0.2\r\n")
        action_id, action = "", ""
        while line := await reader.readline():
            text = line.decode().strip()
            key, _, value = text.partition(": ")
            if key == "ActionID":
                action_id = value
            elif key == "Action":
                action = value
            elif not text and action:
                answer = "Goodbye" if action == "Logoff" else "Success"
                writer.write(f"Response: {answer}\r\nActionID: {action_id}\r\n\r\n".encode())
                if action == "Login":
                    self.writer = writer
                action_id = action = ""
        writer.close()

    def write(self, data: bytes) -> None:
        assert self.writer is not None
        self.writer.write(data)


def _block(**fields: str) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


async def ring_to_lookup_latencies(
    engine: Engine,
    settings: Settings,
    *,
    n: int = 200,
    unknown_every: int = 10,
    seed: int = 1,
) -> tuple[list[float], int]:
    """``n`` latencies in seconds, and how many calls found at least one contact."""
    numbers = await asyncio.to_thread(sample_caller_numbers, engine, n, seed=seed)
    numbers += ["+441632960000"] * (n - len(numbers))  # an empty database: all unknown
    for i in range(0, n, unknown_every):
        numbers[i] = f"+4416329{i % 100000:05d}"  # Ofcom's drama range: nobody's number
    pbx = _ReplayPbx()
    await pbx.start()
    cti = CtiSettings(
        enabled=True, host="127.0.0.1", port=pbx.port, username="bench", secret=SecretStr("bench")
    )
    source = AmiCallSource(cti, EXTENSION, ping_interval=0)
    ready = asyncio.Event()
    source.add_state_listener(lambda state: ready.set() if state == CONNECTED else None)
    events = source.events().__aiter__()
    samples: list[float] = []
    found = 0
    try:
        await source.start()
        await asyncio.wait_for(ready.wait(), 10)
        for i, number in enumerate(numbers):
            channel, uid = f"PJSIP/{EXTENSION}-{i:08x}", f"1700000000.{i}"
            started = perf_counter()
            pbx.write(
                _block(
                    Event="Newstate",
                    Privilege="call,all",
                    Channel=channel,
                    ChannelState="5",
                    ChannelStateDesc="Ringing",
                    CallerIDNum=EXTENSION,
                    ConnectedLineNum=number,
                    Uniqueid=uid,
                    Linkedid=uid,
                )
            )
            event = await asyncio.wait_for(events.__anext__(), 10)
            match = await asyncio.to_thread(lookup_caller, engine, settings, caller=event.caller)
            samples.append(perf_counter() - started)
            found += match.kind != "none"
            pbx.write(
                _block(
                    Event="Hangup",
                    Privilege="call,all",
                    Channel=channel,
                    Uniqueid=uid,
                    Linkedid=uid,
                )
            )
            await asyncio.wait_for(events.__anext__(), 10)
    finally:
        with contextlib.suppress(Exception):
            await source.close()
        await pbx.close()
    return samples, found


def measure_ring_to_lookup(engine: Engine, settings: Settings, *, n: int = 200) -> dict[str, Any]:
    """One ``commcentre bench --json`` row for ``cti.ring_to_lookup`` (p95 target ≤ 300 ms, with the
    console's part)."""
    samples, found = asyncio.run(ring_to_lookup_latencies(engine, settings, n=n))
    ms = sorted(s * 1000 for s in samples)
    p95 = statistics.quantiles(ms, n=100, method="inclusive")[94] if len(ms) > 1 else ms[0]
    return {
        "case": CASE,
        "backend": backend_name(engine),
        "contacts": contact_count(engine),
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(p95, 2),
        "matched": found,
    }
