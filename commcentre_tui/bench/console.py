"""Console benchmarks, measured headless with Textual's Pilot on a seeded database.

* ``console.search`` — Enter in the search bar → the results table populated (goal p95 ≤ 100 ms).
* ``console.load_customer`` — Enter on a result → header and visible tab populated (≤ 150 ms).
* ``console.tab_switch`` — F6…F9 half a second after loading a customer → that tab populated
  (≤ 50 ms); the hidden tabs are read in the background right after a load.
* ``console.cold_start`` — a new process to the first interactive frame (≤ 1.0 s).

"Populated" means the key reached the app (as the terminal driver delivers it), the data was read
in a worker, applied on the UI loop and painted once; nothing waits for idle or for animations
(Pilot's ``press`` would add its own idle waits and wait for animations). Each key is
pressed on a screen at rest, as an agent's keys are. Results are dicts in the ``commcentre bench
--json`` shape (``case``, ``backend``, ``contacts``, ``n``, ``median_ms``, ``p95_ms``). Nothing is
written to the database.
Run directly: ``python -m commcentre_tui.bench.console --database URL [--n 40]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, func, select

from commcentre_tui.bench.frames import at_rest_for, frame_clock, key_until
from commcentre_tui.bench.registry import BenchContext, case

#: Seconds an agent looks at a freshly loaded customer before pressing a tab key.
THINK_SECONDS = 0.5

#: How long the screen stays still before the bench presses the next key (more than one of
#: Textual's frame periods, 1/60 s).
REST_SECONDS = 0.025

#: The console's own worker groups (search, customer, tabs, detail …); others run until exit.
CONSOLE_GROUPS = {
    "search",
    "latest",
    "customer",
    "detail",
    "console-panels",
    "console-ready",
    "default",
}

CASES = ("console.search", "console.load_customer", "console.tab_switch", "console.cold_start")

#: Quick-search values that find many customers (surname and first-name prefixes).
SEARCH_TERMS = (
    "geo",
    "pap",
    "kon",
    "chr",
    "andr",
    "mar",
    "ioan",
    "nik",
    "ele",
    "dem",
    "sav",
    "kyr",
    "pet",
    "mich",
    "hadj",
    "vas",
    "ant",
    "cha",
    "stel",
    "yian",
)


def _summary(
    name: str, engine: Engine, samples: Sequence[float], contacts: int | None = None
) -> dict[str, Any]:
    from commcentre_tui.bench.registry import latency
    from commcentre_tui.models import Contact
    from commcentre_tui.repo.db import backend_name, reading

    if contacts is None:
        with reading(engine) as session:
            contacts = int(session.execute(select(func.count()).select_from(Contact)).scalar_one())
    ms = [s * 1000 for s in samples]
    return {
        "case": name,
        "backend": backend_name(engine),
        "contacts": contacts,
        "n": len(ms),
        **latency(ms),
    }


def _agent(engine: Engine, settings: Any, username: str | None) -> Any:
    from commcentre_tui.repo.actor_lookup import actor_for, first_active_username

    return actor_for(engine, settings, username or first_active_username(engine) or "")


async def _settle(pilot: Any) -> None:
    """Wait until the console's workers are done, their results are on screen and the screen
    is at rest (between measurements, as between an agent's keys). Long-running hosts (the
    embedded delivery worker, CTI) are not waited for."""
    from textual.worker import WorkerCancelled

    for _ in range(2):
        app = pilot.app
        try:
            await app.workers.wait_for_complete(
                [w for w in app.workers if w.group in CONSOLE_GROUPS or w.group.startswith("tab-")]
            )
        except WorkerCancelled:  # superseded by a newer read (the console cancels stale ones)
            continue
        await pilot.pause()
    await at_rest_for(pilot.app, REST_SECONDS)


async def until_ready(screen: Any) -> None:
    """Wait for the console's panels (mounted right after the first frame)."""
    await screen.panels_ready.wait()


def run_console_cases(
    engine: Engine,
    settings: Any,
    *,
    n: int = 40,
    agent: str | None = None,
    cases: Sequence[str] = CASES[:3],
    contacts: int | None = None,
) -> list[dict[str, Any]]:
    """Search, customer load and tab switch, ``n`` samples each (after two warm-up rounds)."""
    from commcentre_tui.app import create_app
    from commcentre_tui.startup import pause_garbage_collection

    # The console alone: no embedded delivery worker competing for the CPU.
    settings = settings.model_copy(deep=True)
    settings.worker.embedded = False
    # As `commcentre console` does: what start-up created is frozen once the console is up,
    # so the collector does not walk it again on every full collection.
    pause_garbage_collection()
    app = create_app(settings=settings, engine=engine, actor=_agent(engine, settings, agent))
    app.offer_drafts_on_start = False
    samples: dict[str, list[float]] = {c: [] for c in cases}

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            screen: Any = app.screen  # the console screen
            await until_ready(screen)
            view = screen.customer_view
            for i in range(n + 2):
                keep = i >= 2  # the first rounds warm the caches
                term = SEARCH_TERMS[i % len(SEARCH_TERMS)]
                box = screen.search_bar.value_input
                box.focus()
                box.value = term
                await _settle(pilot)
                before = screen.results.page
                took = await key_until(app, "enter", lambda b=before: screen.results.page is not b)  # type: ignore[misc]  # mypy cannot infer a lambda with a default argument (it binds the loop's value)
                await _settle(pilot)
                if keep and "console.search" in samples:
                    samples["console.search"].append(took)
                table = screen.results.table
                if screen.view != "results" or table.row_count == 0:
                    continue
                table.focus()
                table.move_cursor(row=i % table.row_count)
                await _settle(pilot)
                chosen = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
                took = await key_until(
                    app,
                    "enter",
                    lambda c=chosen: view.contact_id == c and view.populated(),  # type: ignore[misc]  # mypy cannot infer a lambda with a default argument (it binds the loop's value)
                )
                await _settle(pilot)
                if keep and "console.load_customer" in samples:
                    samples["console.load_customer"].append(took)
                # The agent reads the customer for a moment before switching tabs (the
                # hidden tabs are read in the background meanwhile).
                await asyncio.sleep(THINK_SECONDS)
                await _settle(pilot)
                for key, tab_id in (
                    ("f6", "subscriptions"),
                    ("f7", "financials"),
                    ("f8", "care"),
                    ("f9", "rewards"),
                ):
                    took = await key_until(
                        app,
                        key,
                        lambda t=tab_id: view.tabs.active == t and view.populated(),  # type: ignore[misc]  # mypy cannot infer a lambda with a default argument (it binds the loop's value)
                    )
                    await _settle(pilot)
                    if keep and "console.tab_switch" in samples:
                        samples["console.tab_switch"].append(took)
                await pilot.press("f5")
                await _settle(pilot)

    asyncio.run(drive())
    return [_summary(name, engine, values, contacts) for name, values in samples.items()]


def cold_start(
    database: str, *, n: int = 5, agent: str | None = None, config: str | None = None
) -> list[float]:
    """Seconds from starting a new Python process to the console's first interactive frame."""
    times = []
    for _ in range(n):
        command = [
            sys.executable,
            "-m",
            "commcentre_tui.bench.console",
            "--cold-start-child",
            "--database",
            database,
        ]
        if agent:
            command += ["--agent", agent]
        if config:
            command += ["--config", config]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        line = process.stdout.readline()
        ready = time.perf_counter()
        process.wait(timeout=60)
        if line.strip() != "READY":
            raise RuntimeError(f"The console did not start: {line.strip()!r}")
        times.append(ready - start)
    return times


def _cold_start_child(args: argparse.Namespace) -> int:
    """What ``commcentre console`` does, headless, printing READY at the first frame."""
    from commcentre_tui.startup import pause_garbage_collection

    pause_garbage_collection()
    from commcentre_tui.commands.common import open_database, resolve_actor, settings_from

    settings = settings_from(args)
    engine = open_database(settings)
    actor = (
        resolve_actor(engine, settings, args.agent)
        if args.agent
        else _agent(engine, settings, None)
    )
    from commcentre_tui.app import create_app

    app = create_app(settings=settings, engine=engine, actor=actor)

    async def ready(pilot: Any) -> None:
        from commcentre_tui.screens.console import ConsoleScreen

        clock = frame_clock(app)

        # Interactive: the console is up with the cursor in the search bar, and a frame has
        # been drawn since (the first frame the agent can type into).
        def interactive() -> bool:
            screen = app.screen
            return (
                isinstance(screen, ConsoleScreen)
                and screen.focused is not None
                and screen.focused.id == "value"
            )

        while not interactive():
            await asyncio.sleep(0.002)
        focused = time.perf_counter()
        while not clock.frames or clock.frames[-1][0] < focused:
            await asyncio.sleep(0.002)
        sys.stdout.write("READY\n")
        sys.stdout.flush()
        console: Any = app.screen
        await console.panels_ready.wait()  # (exit once start-up is over, not in its middle)
        app.exit()

    app.run(headless=True, auto_pilot=ready, size=(80, 24))
    return 0


def run(
    database: str,
    *,
    n: int = 40,
    agent: str | None = None,
    config: str | None = None,
    cases: Sequence[str] = CASES,
    report: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Every selected console case against ``database``."""
    from commcentre_tui.config import load_settings
    from commcentre_tui.repo.db import make_engine

    settings = load_settings(config, database={"url": database})
    engine = make_engine(database)
    results: list[dict[str, Any]] = []
    ui_cases = [c for c in cases if c != "console.cold_start"]
    if ui_cases:
        results += run_console_cases(engine, settings, n=n, agent=agent, cases=ui_cases)
    if "console.cold_start" in cases:
        results.append(
            _summary(
                "console.cold_start",
                engine,
                cold_start(database, n=max(3, n // 8), agent=agent, config=config),
            )
        )
    engine.dispose()
    for result in results:
        if report:
            report(result)
    return results


# Registered cases (``commcentre bench --case 'console.*'``). The three Pilot cases share one
# driven session per run, kept in the context's cache.
def _pilot_rows(ctx: BenchContext) -> dict[str, dict[str, Any]]:
    if "console.rows" not in ctx.cache:
        rows = run_console_cases(
            ctx.engine, ctx.settings, n=min(ctx.repeat, 60), contacts=ctx.contacts
        )
        ctx.cache["console.rows"] = {row["case"]: row for row in rows}
    return ctx.cache["console.rows"]  # type: ignore[no-any-return]  # a value cached/produced untyped; its type is fixed where it is stored


@case("console.search", "Enter in the search bar → results table populated (Pilot, 80×24)")
def search_case(ctx: BenchContext) -> dict[str, Any]:
    return _pilot_rows(ctx)["console.search"]


@case("console.load_customer", "Enter on a result → customer header and Dashboard populated")
def load_customer_case(ctx: BenchContext) -> dict[str, Any]:
    return _pilot_rows(ctx)["console.load_customer"]


@case("console.tab_switch", "F6–F9 on a freshly loaded customer → that tab populated")
def tab_switch_case(ctx: BenchContext) -> dict[str, Any]:
    return _pilot_rows(ctx)["console.tab_switch"]


@case("console.cold_start", "New process → the console's first interactive frame")
def cold_start_case(ctx: BenchContext) -> dict[str, Any]:
    times = cold_start(ctx.url, n=max(5, min(ctx.repeat // 10, 20)))
    return _summary("console.cold_start", ctx.engine, times, ctx.contacts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m commcentre_tui.bench.console")
    parser.add_argument("--database", required=True)
    parser.add_argument("--config")
    parser.add_argument("--agent")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--case", action="append", choices=CASES)
    parser.add_argument("--cold-start-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_start_child:
        return _cold_start_child(args)
    run(
        args.database,
        n=args.n,
        agent=args.agent,
        config=args.config,
        cases=args.case or CASES,
        report=lambda r: print(json.dumps(r), flush=True),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
