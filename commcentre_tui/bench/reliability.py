"""``commcentre bench --reliability``: the reliability scenarios at full size, as bench rows.

* ``reliability.concurrent_agents`` — 20 agent processes on the same 100 customers for
  ``COMMCENTRE_RELIABILITY_SECONDS`` (default 60 s): actions/s, conflicts, busy, delivered;
* ``reliability.worker_kill`` — ``COMMCENTRE_RELIABILITY_MESSAGES`` (default 5,000) emails with
  the worker SIGKILLed at random points (one kill per 250 messages): delivered/s, sent, failed;
* ``reliability.upgrade`` — the previous release's schema with the demo data upgraded to head.

Each runs on its own scratch database (a SQLite file under a temporary directory, or a
``commcentre_reliability_*`` PostgreSQL database on the bench admin URL), dropped afterwards, so
the seeded bench databases are never touched. A scenario whose guarantees broke reports an
``error`` row naming the first violation. Not registered as ordinary cases: they only run with
``--reliability``.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from commcentre_tui.reliability import MESSAGES_ENV, SECONDS_ENV, SEED_ENV, env_number

CASES = ("reliability.concurrent_agents", "reliability.worker_kill", "reliability.upgrade")


@contextmanager
def scratch_engine(backend: str, *, migrate: bool = True) -> Iterator[Engine]:
    """A new, empty database of ``backend`` (migrated to head unless ``migrate=False``)."""
    from commcentre_tui.bench.runner import PG_ADMIN_DEFAULT
    from commcentre_tui.repo.db import make_engine
    from commcentre_tui.repo.migrate import upgrade

    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="commcentre-reliability-") as folder:
            engine = make_engine(f"sqlite:///{os.path.join(folder, 'reliability.db')}")
            try:
                if migrate:
                    upgrade(engine)
                yield engine
            finally:
                engine.dispose()
        return
    admin_url = make_url(
        os.environ.get("COMMCENTRE_BENCH_POSTGRES_URL")
        or os.environ.get("COMMCENTRE_TEST_DATABASE_URL")
        or PG_ADMIN_DEFAULT
    )
    admin_url = admin_url.set(drivername="postgresql+psycopg")
    name = f"commcentre_reliability_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        if migrate:
            upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _verdict(row: dict[str, Any], violations: list[str]) -> dict[str, Any]:
    if violations:
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        row["error"] = f"{violations[0]}{more}"
    return row


def concurrent_agents(backend: str, settings: Any) -> dict[str, Any]:
    from commcentre_tui.reliability.concurrent import as_row, run_concurrent_agents
    from commcentre_tui.reliability.sink import RecordingSmtpSink

    seconds = env_number(SECONDS_ENV, 60.0)
    sink = RecordingSmtpSink()
    try:
        with scratch_engine(backend) as engine:
            report = run_concurrent_agents(engine, settings, sink, seconds=seconds)
    finally:
        sink.close()
    return _verdict(
        {"case": CASES[0], "backend": backend, "contacts": report.customers, **as_row(report)},
        report.violations,
    )


def worker_kill(backend: str, settings: Any) -> dict[str, Any]:
    from commcentre_tui.reliability.sink import RecordingSmtpSink
    from commcentre_tui.reliability.worker_kill import run_worker_kills

    messages = int(env_number(MESSAGES_ENV, 5000))
    seed = int(os.environ[SEED_ENV]) if os.environ.get(SEED_ENV, "").isdigit() else None
    sink = RecordingSmtpSink()
    try:
        with scratch_engine(backend) as engine:
            report = run_worker_kills(
                engine,
                sink,
                messages=messages,
                kills=max(5, messages // 250),
                seed=seed,
                config=settings.source_path or None,
                lease_seconds=5.0,
            )
    finally:
        sink.close()
    return _verdict(
        {
            "case": CASES[1],
            "backend": backend,
            "contacts": 1,
            "n": report.messages,
            "per_s": report.per_s,
            "seconds": round(report.seconds, 1),
            "kills": report.kills,
            "sent": report.sent,
            "failed": report.failed,
            "failed_but_arrived": report.failed_but_arrived,
            "seed": str(report.seed),
        },
        report.violations,
    )


def schema_upgrade(backend: str, settings: Any) -> dict[str, Any]:
    from commcentre_tui.reliability.upgrade import run_upgrade

    with scratch_engine(backend, migrate=False) as engine:
        report = run_upgrade(engine, settings)
    return _verdict(
        {
            "case": CASES[2],
            "backend": backend,
            "contacts": 300,
            "n": report.rows,
            "tables": report.tables,
            "from": report.from_revision,
            "to": report.to_revision,
        },
        report.violations,
    )


SCENARIOS: dict[str, Callable[[str, Any], dict[str, Any]]] = dict(
    zip(CASES, (concurrent_agents, worker_kill, schema_upgrade), strict=True)
)


def run_reliability(
    backends: tuple[str, ...],
    settings: Any,
    report: Callable[[dict[str, Any]], None],
    only: Callable[[str], bool] = lambda _name: True,
) -> None:
    """Run every scenario (``only`` filters by case name) on each backend, reporting a row each."""
    for backend in backends:
        for name, scenario in SCENARIOS.items():
            if not only(name):
                continue
            try:
                report(scenario(backend, settings))
            except Exception as exc:  # one broken scenario does not stop the others
                report(
                    {
                        "case": name,
                        "backend": backend,
                        "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                    }
                )
