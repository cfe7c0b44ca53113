"""Benchmarks of serving the console over SSH (cases ``ssh.*`` of ``commcentre bench``).

Everything runs over loopback against a real server and real console processes:

- ``ssh.connect_to_frame``: from opening the TCP connection to the agent's display name on the
  client's screen (the first interactive frame). Goal ≤ 2 s.
- ``ssh.session_rss``: resident memory of each console process once it has drawn its first frame
  and run one search (RSS, and PSS which shares library pages fairly). Goal ≤ 120 MB.
- ``ssh.search_load``: N sessions at once, each running a Quick Search every ``interval`` seconds
  (F2, a surname prefix, Enter) and timing until the first expected customer number is on screen.

Needs a seeded database (``commcentre db seed``); adds an agent ``bench-ssh`` with a throw-away
key, removed again at the end. Run directly with
``python -m commcentre_tui.bench.ssh --database URL [--steps 1,4,8,16] [--json]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from commcentre_tui.bench.registry import BenchContext, case
from commcentre_tui.bench.ssh_harness import Bench, Screen
from commcentre_tui.config import Settings


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _proc_mb(pid: int, name: str, path: str) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _meminfo() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _row(case: str, meta: dict[str, Any], values_s: list[float], **extra: Any) -> dict[str, Any]:
    ms = [v * 1000 for v in values_s]
    return {
        "case": case,
        **meta,
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": round(_percentile(ms, 0.95), 1),
        **extra,
    }


async def connect_to_frame(bench: Bench, meta: dict[str, Any], connects: int) -> dict[str, Any]:
    """``ssh.connect_to_frame``: ``connects`` sequential logins, each to its first frame."""
    times = []
    for _ in range(connects):
        conn, _screen, seconds = await bench.open()
        times.append(seconds)
        conn.close()
        await conn.wait_closed()
    await _until_no_sessions(bench)
    return _row("ssh.connect_to_frame", meta, times, goal_ms=2000)


async def session_rss(bench: Bench, meta: dict[str, Any], sessions: int) -> dict[str, Any]:
    """``ssh.session_rss``: memory of ``sessions`` consoles, each after its first search."""
    assert bench.server is not None
    opened = [await bench.open() for _ in range(sessions)]
    for _conn, screen, _ in opened:
        await asyncio.sleep(1.0)  # let the console settle before typing
        while await bench.search(screen, []) is None:
            pass
    pids = [s.process.pid for s in bench.server.sessions if s.process and s.process.pid]
    rss = [_proc_mb(pid, "VmRSS", "status") for pid in pids]
    pss = [_proc_mb(pid, "Pss", "smaps_rollup") for pid in pids]
    for conn, _screen, _ in opened:
        conn.close()
    await _until_no_sessions(bench)
    return {
        "case": "ssh.session_rss",
        **meta,
        "n": len(rss),
        "rss_mb_median": round(statistics.median(rss), 1),
        "rss_mb_max": round(max(rss), 1),
        "pss_mb_median": round(statistics.median(pss), 1),
        "goal_mb": 120,
    }


async def search_load(
    bench: Bench, meta: dict[str, Any], steps: tuple[int, ...], interval: float, duration: float
) -> list[dict[str, Any]]:
    """``ssh.search_load``: one row per step; stops once p95 passes 2 s or memory runs low."""
    rows = []
    for sessions in steps:
        if _meminfo() < 2048:
            break
        row = await _load_step(bench, meta, sessions, interval, duration)
        rows.append(row)
        if row["p95_ms"] > 2000:
            break
    return rows


async def _load_step(
    bench: Bench, meta: dict[str, Any], sessions: int, interval: float, duration: float
) -> dict[str, Any]:
    opened = []
    for _ in range(sessions):  # staggered: a real team does not log in in the same second
        opened.append(await bench.open())
    latencies: list[float] = []
    failures = 0
    stop_at = time.monotonic() + duration

    async def agent(screen: Screen) -> None:
        nonlocal failures
        await asyncio.sleep(1.0 + random.random() * interval)
        previous: list[str] = []
        while time.monotonic() < stop_at:
            try:
                result = await bench.search(screen, previous)
            except (TimeoutError, RuntimeError):
                failures += 1
                continue
            if result is None:
                continue
            latencies.append(result[0])
            previous = result[1]
            await asyncio.sleep(interval)

    load_before = Path("/proc/loadavg").read_text().split()[0]
    await asyncio.gather(*(agent(screen) for _conn, screen, _ in opened))
    load_after = Path("/proc/loadavg").read_text().split()[0]
    for conn, _screen, _ in opened:
        conn.close()
    row = _row(
        "ssh.search_load",
        meta,
        latencies or [float("nan")],
        sessions=sessions,
        interval_s=interval,
        failures=failures,
        loadavg_1m=float(load_after),
        loadavg_before=float(load_before),
        mem_available_mb=round(_meminfo()),
    )
    await _until_no_sessions(bench)
    return row


async def _until_no_sessions(bench: Bench) -> None:
    assert bench.server is not None
    async with asyncio.timeout(30):
        while bench.server.sessions:
            await asyncio.sleep(0.1)


def _meta(engine: Engine, contacts: int | None) -> dict[str, Any]:
    from commcentre_tui.models import Contact
    from commcentre_tui.repo.db import backend_name, reading

    if contacts is None:
        with reading(engine) as session:
            contacts = session.execute(select(func.count()).select_from(Contact)).scalar_one()
    return {"backend": backend_name(engine), "contacts": contacts}


def measure_ssh(
    engine: Engine,
    settings: Settings,
    database_url: str,
    *,
    contacts: int | None = None,
    config_path: str | None = None,
    cases: tuple[str, ...] = ("connect", "rss", "load"),
    connects: int = 5,
    rss_sessions: int = 3,
    load_steps: tuple[int, ...] = (1, 4, 8, 16),
    interval: float = 3.0,
    duration: float = 20.0,
) -> list[dict[str, Any]]:
    """Run the ``ssh.*`` measurements; one dict per result row (the ``bench --json`` shape)."""
    meta = _meta(engine, contacts)

    async def main() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        async with Bench(engine, settings, database_url, config_path) as bench:
            if "connect" in cases:
                rows.append(await connect_to_frame(bench, meta, connects))
            if "rss" in cases:
                rows.append(await session_rss(bench, meta, rss_sessions))
            if "load" in cases:
                rows += await search_load(bench, meta, load_steps, interval, duration)
        return rows

    return asyncio.run(main())


@case("ssh.connect_to_frame", "SSH connect to the console's first frame over loopback (goal ≤ 2 s)")
def _case_connect(ctx: BenchContext) -> list[dict[str, Any]]:
    return measure_ssh(ctx.engine, ctx.settings, ctx.url, contacts=ctx.contacts, cases=("connect",))


@case("ssh.session_rss", "Memory (RSS/PSS) of one console process per SSH session (goal ≤ 120 MB)")
def _case_rss(ctx: BenchContext) -> list[dict[str, Any]]:
    return measure_ssh(ctx.engine, ctx.settings, ctx.url, contacts=ctx.contacts, cases=("rss",))


@case("ssh.search_load", "1/4/8/16 SSH sessions each searching every 3 s: search latency per step")
def _case_load(ctx: BenchContext) -> list[dict[str, Any]]:
    return measure_ssh(
        ctx.engine, ctx.settings, ctx.url, contacts=ctx.contacts, cases=("load",), duration=15.0
    )


if __name__ == "__main__":  # pragma: no cover - manual runs
    import argparse
    import json

    from commcentre_tui.config import load_settings
    from commcentre_tui.repo.db import make_engine

    parser = argparse.ArgumentParser(description="SSH serving benchmarks (cases ssh.*).")
    parser.add_argument("--database", required=True)
    parser.add_argument("--config")
    parser.add_argument("--cases", default="connect,rss,load")
    parser.add_argument("--steps", default="1,4,8,16")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cfg = load_settings(args.config, database={"url": args.database})
    eng = make_engine(args.database)
    results = measure_ssh(
        eng,
        cfg,
        args.database,
        config_path=args.config,
        cases=tuple(args.cases.split(",")),
        load_steps=tuple(int(s) for s in args.steps.split(",")),
        duration=args.duration,
    )
    for result in results:
        print(json.dumps(result) if args.json else result)
