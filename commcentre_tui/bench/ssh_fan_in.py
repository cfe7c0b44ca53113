"""``ssh.fan_in``: many agents logging in over SSH at the same moment (issue #23 §6).

Each round opens ``sessions`` connections at once and times each from the TCP connect to its
first frame (the agent's name on screen), then reads every console's memory (RSS and PSS: PSS
shares the pages consoles have in common fairly between them). Measured with consoles started
by the fork server (``serve-ssh``'s default) and, for comparison, as new Python processes.
Goal: 10 simultaneous connects ≤ 1.5 s median; ≤ 70 MB PSS per console.
"""

from __future__ import annotations

import asyncio
import statistics
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.bench.registry import BenchContext, case
from commcentre_tui.bench.ssh import _meta, _percentile, _proc_mb, _until_no_sessions
from commcentre_tui.bench.ssh_harness import Bench
from commcentre_tui.config import Settings


async def _round(bench: Bench, sessions: int) -> tuple[list[float], list[float], list[float]]:
    opened = await asyncio.gather(*(bench.open() for _ in range(sessions)))
    assert bench.server is not None
    await asyncio.sleep(2.0)  # let the consoles start their services before reading memory
    pids = [s.process.pid for s in bench.server.sessions if s.process and s.process.pid]
    rss = [_proc_mb(pid, "VmRSS", "status") for pid in pids]
    pss = [_proc_mb(pid, "Pss", "smaps_rollup") for pid in pids]
    for conn, _screen, _ in opened:
        conn.close()
    await _until_no_sessions(bench)
    return [seconds for _c, _s, seconds in opened], rss, pss


def measure_fan_in(
    engine: Engine,
    settings: Settings,
    database_url: str,
    *,
    contacts: int | None = None,
    config_path: str | None = None,
    sessions: int = 10,
    rounds: int = 3,
    modes: tuple[bool, ...] = (True, False),
) -> list[dict[str, Any]]:
    """One row per start mode (fork server, new process)."""
    meta = _meta(engine, contacts)

    async def main() -> list[dict[str, Any]]:
        rows = []
        for fork_server in modes:
            times: list[float] = []
            rss: list[float] = []
            pss: list[float] = []
            async with Bench(
                engine, settings, database_url, config_path, fork_server=fork_server
            ) as bench:
                for _ in range(rounds):
                    t, r, p = await _round(bench, sessions)
                    times += t
                    rss += r
                    pss += p
            ms = [t * 1000 for t in times]
            rows.append(
                {
                    "case": "ssh.fan_in",
                    **meta,
                    "start": "fork server" if fork_server else "new process",
                    "sessions_at_once": sessions,
                    "n": len(ms),
                    "median_ms": round(statistics.median(ms), 1),
                    "p95_ms": round(_percentile(ms, 0.95), 1),
                    "max_ms": round(max(ms), 1),
                    "rss_mb_median": round(statistics.median(rss), 1),
                    "pss_mb_median": round(statistics.median(pss), 1),
                    "pss_mb_max": round(max(pss), 1),
                    "goal_ms": 1500,
                    "goal_pss_mb": 70,
                }
            )
        return rows

    return asyncio.run(main())


@case("ssh.fan_in", "10 SSH logins at once to their first frames, and memory per console")
def _case_fan_in(ctx: BenchContext) -> list[dict[str, Any]]:
    return measure_fan_in(ctx.engine, ctx.settings, ctx.url, contacts=ctx.contacts)


if __name__ == "__main__":  # pragma: no cover - manual runs
    import argparse
    import json

    from commcentre_tui.config import load_settings
    from commcentre_tui.repo.db import make_engine

    parser = argparse.ArgumentParser(description="SSH fan-in benchmark (case ssh.fan_in).")
    parser.add_argument("--database", required=True)
    parser.add_argument("--config")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="fork,exec")
    args = parser.parse_args()
    cfg = load_settings(args.config, database={"url": args.database})
    for row in measure_fan_in(
        make_engine(args.database),
        cfg,
        args.database,
        config_path=args.config,
        sessions=args.sessions,
        rounds=args.rounds,
        modes=tuple(m == "fork" for m in args.modes.split(",")),
    ):
        print(json.dumps(row))
