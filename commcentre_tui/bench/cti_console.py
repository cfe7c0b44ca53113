"""Console CTI benchmark: ``cti.ring_to_customer_view`` — the whole screen pop.

A loopback PBX (the one of :mod:`commcentre_tui.cti.measure`) writes a ``Newstate … Ringing``
block for a number sampled from the database to the real console app (headless, Pilot) with
CTI attached; the clock starts just before the bytes are written and stops when the customer
view is populated: the caller looked up, the header and the visible tab read and applied,
and the screen refreshed. Only calls whose number matches exactly one customer are timed
(shared and unknown numbers pop a pick list or "Unknown caller", counted apart). Goal: p95 ≤
300 ms on 1,000,000 contacts. Run directly:
``python -m commcentre_tui.bench.cti_console --database URL [--n 100]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections.abc import Sequence
from time import perf_counter
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from commcentre_tui.bench.registry import BenchContext, case, latency

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

CASE = "cti.ring_to_customer_view"
EXTENSION = "1001"
WARMUP = 5
POLL = 0.001


def _block(**fields: str) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


class _Pbx:
    """Just enough AMI on loopback: banner, any login accepted, answers, and raw writes."""

    def __init__(self) -> None:
        self.port = 0
        self.writer: asyncio.StreamWriter | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        writer.write(b"Asterisk Call Manager/5.0.2\r\n")
        fields: dict[str, str] = {}
        try:
            while line := await reader.readline():
                key, _, value = line.decode().strip().partition(": ")
                if key:
                    fields[key] = value
                    continue
                action = fields.get("Action", "")
                answer = "Goodbye" if action == "Logoff" else "Success"
                writer.write(_block(Response=answer, ActionID=fields.get("ActionID", "")))
                if action == "Login":
                    self.writer = writer
                fields = {}
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    def write(self, data: bytes) -> None:
        assert self.writer is not None
        self.writer.write(data)


def _populated(app: CommCentreApp, call_id: str) -> bool:
    """The call was looked up and, for one match, its customer is on screen."""
    from commcentre_tui.controllers.cti import controller_of

    record = controller_of(app).calls.get(call_id)
    if record is None or record.match is None:
        return False
    if record.match.kind != "one":
        return True
    view = app.console_screen.customer_view
    summary, tab = view.header.summary, view.active_tab
    return (
        view.contact_id == record.contact_id
        and summary is not None
        and summary.contact_id == record.contact_id
        and tab.contact_id == record.contact_id
        and not tab.stale
    )


async def _on_screen(app: CommCentreApp, call_id: str) -> None:
    """Return once the pop is populated (no worker left) and the screen refreshed once.

    Polled every :data:`POLL` seconds: Pilot's ``pause()`` waits for an idle process (20 ms
    or more each time), which would be measured too.
    """
    from commcentre_tui.controllers.cti.waiting import busy_workers

    while not (_populated(app, call_id) and not busy_workers(app)):
        await asyncio.sleep(POLL)
    painted = asyncio.Event()
    app.screen.call_after_refresh(painted.set)
    await painted.wait()


async def ring_to_customer_view(
    engine: Engine, settings: Any, *, n: int = 100, agent: str | None = None
) -> dict[str, Any]:
    """Latencies of ``n`` screen pops (after :data:`WARMUP`), and what the other calls gave."""
    from pydantic import SecretStr

    from commcentre_tui.app import create_app
    from commcentre_tui.bench.console import _agent
    from commcentre_tui.config_channels import CtiSettings
    from commcentre_tui.controllers.cti import attach_cti
    from commcentre_tui.controllers.cti.waiting import until
    from commcentre_tui.repo.cti_lookup import sample_caller_numbers
    from commcentre_tui.screens.cti.pick import CallerPickScreen

    numbers = await asyncio.to_thread(sample_caller_numbers, engine, n + WARMUP, seed=7)
    if not numbers:
        raise RuntimeError("The database has no phone numbers to ring with.")
    pbx = _Pbx()
    await pbx.start()
    cti = CtiSettings(
        enabled=True,
        provider="asterisk",
        host="127.0.0.1",
        port=pbx.port,
        username="bench",
        secret=SecretStr("bench"),
        agent_extension=EXTENSION,
    )
    bench_settings = settings.model_copy(update={"cti": cti})
    actor = await asyncio.to_thread(_agent, engine, bench_settings, agent)
    app = create_app(settings=bench_settings, engine=engine, actor=actor)
    samples: list[float] = []
    kinds = {"one": 0, "several": 0, "none": 0}
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.console_screen.panels_ready.is_set(), timeout=60)
            controller = attach_cti(app, ping_interval=0)
            await until(pilot, lambda: controller.state == "connected", timeout=10)
            for i, number in enumerate(numbers):
                channel, uid = f"PJSIP/{EXTENSION}-{i:08x}", f"1800000000.{i}"
                data = _block(
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
                app.clear_notifications()  # calls minutes apart: the last call's toasts are gone
                controller.calls_apart()  # ... and its pop long past (pops are paced, 1 a second)
                await pilot.pause()
                started = perf_counter()
                pbx.write(data)
                await asyncio.wait_for(_on_screen(app, uid), 30)
                took = perf_counter() - started
                kind = controller.calls[uid].match.kind
                if i >= WARMUP:
                    kinds[kind] += 1
                    if kind == "one":
                        samples.append(took)
                if isinstance(app.screen, CallerPickScreen):
                    app.screen.dismiss(None)
                pbx.write(
                    _block(
                        Event="Hangup",
                        Privilege="call,all",
                        Channel=channel,
                        Uniqueid=uid,
                        Linkedid=uid,
                    )
                )
                await until(
                    pilot,
                    lambda uid=uid: (
                        controller.calls[uid].ended_at is not None  # type: ignore[misc]  # mypy cannot infer a lambda with a default argument (it binds the loop's value)
                        and controller.current is None
                    ),
                    timeout=30,
                )
    finally:
        with contextlib.suppress(Exception):
            await pbx.close()
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        **latency(ms),
        "matched_one": kinds["one"],
        "matched_several": kinds["several"],
        "unknown": kinds["none"],
        "max_ms": round(max(ms), 2) if ms else 0.0,
    }


def measure(
    engine: Engine,
    settings: Any,
    *,
    n: int = 100,
    agent: str | None = None,
    contacts: int | None = None,
) -> dict[str, Any]:
    """One ``commcentre bench --json`` row for :data:`CASE`."""
    from commcentre_tui.repo.cti_lookup import contact_count
    from commcentre_tui.repo.db import backend_name

    row = asyncio.run(ring_to_customer_view(engine, settings, n=n, agent=agent))
    return {
        "case": CASE,
        "backend": backend_name(engine),
        "contacts": contacts if contacts is not None else contact_count(engine),
        **row,
    }


@case(CASE, "Ringing bytes on a loopback AMI socket to the console's customer view populated")
def ring_to_customer_view_case(ctx: BenchContext) -> dict[str, Any]:
    return measure(ctx.engine, ctx.settings, n=min(ctx.repeat, 100), contacts=ctx.contacts)


def main(argv: Sequence[str] | None = None) -> int:
    from commcentre_tui.config import load_settings
    from commcentre_tui.repo.db import make_engine

    parser = argparse.ArgumentParser(prog="python -m commcentre_tui.bench.cti_console")
    parser.add_argument("--database", required=True)
    parser.add_argument("--config")
    parser.add_argument("--agent")
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args(argv)
    settings = load_settings(args.config, database={"url": args.database})
    engine = make_engine(args.database)
    try:
        print(json.dumps(measure(engine, settings, n=args.n, agent=args.agent)), flush=True)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
