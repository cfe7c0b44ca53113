"""Console CTI benchmark: ``cti.burst_key_echo`` — typing while a call burst hits the agent.

A loopback PBX (the one of :mod:`commcentre_tui.bench.cti_console`) sends ringing/hang-up pairs
for the agent's own extension at :data:`RATE` call events a second (unknown numbers) to the
real console app (headless, Pilot) with CTI attached, while the agent types into the search bar
one key every :data:`KEY_GAP` seconds. Each key's echo is timed from the key reaching the app
to the first frame drawn with the character in the field. Also reported: the console's RSS
growth from before the burst to after :data:`EVENTS` events (garbage collected), and what the
console did with the calls (popped, counted as unseen, dropped unread). Goals (issue 18):
echo p95 ≤ 100 ms; RSS growth ≤ 20 MB. Run directly:
``python -m commcentre_tui.bench.cti_burst --database URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from commcentre_tui.bench.cti_console import EXTENSION, _block, _Pbx
from commcentre_tui.bench.registry import BenchContext, case, latency

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

CASE = "cti.burst_key_echo"
RATE = 1000
"""Call events per second (a ringing and a hang-up are two)."""
EVENTS = 10_000
KEY_GAP = 0.05
TICK = 0.01


def rss_mb() -> float:
    """This process's resident set size in MB (Linux ``/proc``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _burst(pbx: _Pbx, events: int, rate: int) -> float:
    """Write ``events`` call events (ring/hang-up pairs) at ``rate`` a second; the seconds it took."""
    started = time.perf_counter()
    sent = 0
    while sent < events:
        due = min(events, int((time.perf_counter() - started) * rate) + 2)
        chunk = []
        while sent < due:
            n = sent // 2
            channel, uid = f"PJSIP/{EXTENSION}-{n:08x}", f"1900000000.{n}"
            if sent % 2 == 0:
                chunk.append(
                    _block(
                        Event="Newstate",
                        Privilege="call,all",
                        Channel=channel,
                        ChannelState="5",
                        ChannelStateDesc="Ringing",
                        CallerIDNum=EXTENSION,
                        ConnectedLineNum=f"+4420{n:08d}",
                        Uniqueid=uid,
                        Linkedid=uid,
                    )
                )
            else:
                chunk.append(
                    _block(
                        Event="Hangup",
                        Privilege="call,all",
                        Channel=channel,
                        Uniqueid=uid,
                        Linkedid=uid,
                    )
                )
            sent += 1
        pbx.write(b"".join(chunk))
        await asyncio.sleep(TICK)
    return time.perf_counter() - started


async def _echo(
    app: CommCentreApp, box: Any, char: str, changes: list[float], timeout: float = 30.0
) -> float:
    """Seconds from ``char`` reaching the app to the first frame drawn after ``box`` took it
    (``changes`` gets the time of each change of the field's value, from a watcher)."""
    from textual import events

    from commcentre_tui.bench.frames import frame_clock

    clock = frame_clock(app)
    seen = len(changes)
    start = time.perf_counter()
    app.post_message(events.Key(char, char))
    while True:
        if len(changes) > seen:
            changed = changes[seen]
            drawn = [d for d, _began, _saw in clock.frames if d >= changed]
            if drawn:
                return drawn[0] - start
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the search bar did not show the key")
        await asyncio.sleep(0.0005)


async def burst_key_echo(
    engine: Engine,
    settings: Any,
    *,
    events: int = EVENTS,
    rate: int = RATE,
    agent: str | None = None,
) -> dict[str, Any]:
    """Key echo latencies during the burst, RSS growth, and the calls' fate."""
    from pydantic import SecretStr

    from commcentre_tui.app import create_app
    from commcentre_tui.bench.console import _agent
    from commcentre_tui.config_channels import CtiSettings
    from commcentre_tui.controllers.cti import attach_cti
    from commcentre_tui.controllers.cti.waiting import until

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
    bench_settings.worker.embedded = False
    actor = await asyncio.to_thread(_agent, engine, bench_settings, agent)
    app = create_app(settings=bench_settings, engine=engine, actor=actor)
    app.offer_drafts_on_start = False
    echoes: list[float] = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.console_screen.panels_ready.is_set(), timeout=60)
            controller = attach_cti(app, ping_interval=0)
            await until(pilot, lambda: controller.state == "connected", timeout=10)
            box = app.console_screen.search_bar.value_input
            box.focus()
            changes: list[float] = []
            app.watch(box, "value", lambda _value: changes.append(time.perf_counter()), init=False)
            for char in "warm":  # the first frames and keys
                await _echo(app, box, char, changes)
            box.value = ""
            await pilot.pause()
            gc.collect()
            rss_before = rss_mb()
            burst = asyncio.ensure_future(_burst(pbx, events, rate))
            i = 0
            while not burst.done():
                echoes.append(await _echo(app, box, "abcdefghij"[i % 10], changes))
                i += 1
                if i % 20 == 0:
                    box.value = ""
                await asyncio.sleep(KEY_GAP)
            seconds = burst.result()
            await until(pilot, lambda: controller.source.backlog == 0, timeout=120)
            for _ in range(3):
                await pilot.pause()
            gc.collect()
            rss_after = rss_mb()
            popped = sum(1 for c in controller.calls.values() if c.presented)
    finally:
        await pbx.close()
    ms = [e * 1000 for e in echoes]
    return {
        "n": len(ms),
        **latency(ms),
        "max_ms": round(max(ms), 2) if ms else 0.0,
        "events": events,
        "events_per_s": round(events / seconds, 1),
        "rss_growth_mb": round(rss_after - rss_before, 1),
        "rss_mb": round(rss_after, 1),
        "unshown_calls": controller.unshown,
        "popped_in_last_100": popped,
        "dropped_events": controller.source.dropped,
        "goal_p95_ms": 100,
        "goal_rss_growth_mb": 20,
    }


def measure(
    engine: Engine,
    settings: Any,
    *,
    events: int = EVENTS,
    agent: str | None = None,
    contacts: int | None = None,
) -> dict[str, Any]:
    """One ``commcentre bench --json`` row for :data:`CASE`."""
    from commcentre_tui.repo.cti_lookup import contact_count
    from commcentre_tui.repo.db import backend_name

    row = asyncio.run(burst_key_echo(engine, settings, events=events, agent=agent))
    return {
        "case": CASE,
        "backend": backend_name(engine),
        "contacts": contacts if contacts is not None else contact_count(engine),
        **row,
    }


@case(CASE, "Search-bar key echo while 1,000 call events/s hit the agent's own extension")
def burst_key_echo_case(ctx: BenchContext) -> dict[str, Any]:
    return measure(ctx.engine, ctx.settings, contacts=ctx.contacts)


def main(argv: Sequence[str] | None = None) -> int:
    from commcentre_tui.config import load_settings
    from commcentre_tui.repo.db import make_engine

    parser = argparse.ArgumentParser(prog="python -m commcentre_tui.bench.cti_burst")
    parser.add_argument("--database", required=True)
    parser.add_argument("--config")
    parser.add_argument("--agent")
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args(argv)
    settings = load_settings(args.config, database={"url": args.database})
    engine = make_engine(args.database)
    try:
        print(
            json.dumps(measure(engine, settings, events=args.events, agent=args.agent)), flush=True
        )
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
