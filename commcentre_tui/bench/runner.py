"""Runs registered benchmark cases against a seeded (or reused) database per backend."""

from __future__ import annotations

import fnmatch
import importlib
import os
import pkgutil
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from commcentre_tui.bench.registry import (
    REGISTRY,
    BenchContext,
    CaseResult,
    Rate,
    Samples,
    Timed,
    latency,
)

#: Where seeded benchmark databases are kept for reuse (SQLite files; PostgreSQL databases are
#: named ``commcentre_bench_<N>`` on the admin server).
SQLITE_DIR = os.environ.get("COMMCENTRE_BENCH_DIR", "/tmp")
PG_ADMIN_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


class BenchError(Exception):
    """A benchmark setup problem, in one sentence."""


def discover() -> None:
    """Import every module of the bench package so their cases register."""
    import commcentre_tui.bench as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in ("registry", "runner"):
            importlib.import_module(f"{package.__name__}.{info.name}")


def selected(patterns: list[str] | None) -> list[str]:
    """Registered case names matching any of the glob ``patterns`` (all when none)."""
    names = sorted(REGISTRY)
    if not patterns:
        return names
    return [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def count_contacts(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM contact")).scalar() or 0)


def _seed(engine: Engine, settings: Any, contacts: int) -> None:
    try:
        from commcentre_tui.repo.seed.bulk import seed_bulk
    except ImportError as exc:  # pragma: no cover - only while the seeder is missing
        raise BenchError(
            "The bulk seeder is not available; pass --database URL of a seeded database."
        ) from exc
    started = time.perf_counter()
    seed_bulk(engine, settings, contacts=contacts, seed=1)
    _say(f"Seeded {contacts:,} contacts in {time.perf_counter() - started:.0f} s.")


def _fresh_or_reused(url: str, settings: Any, contacts: int, reset: Callable[[], None]) -> str:
    """Reuse ``url`` when it holds exactly ``contacts`` contacts at the current schema, else
    ``reset()`` it, migrate and seed."""
    from commcentre_tui.repo.db import DatabaseError, make_engine
    from commcentre_tui.repo.migrate import check_current, upgrade

    engine = make_engine(url)
    try:
        try:
            check_current(engine)
            if count_contacts(engine) == contacts:
                _say(f"Reusing {url} ({contacts:,} contacts).")
                return url
        except DatabaseError:
            pass
    finally:
        engine.dispose()
    reset()
    engine = make_engine(url)
    try:
        upgrade(engine)
        _say(f"Seeding {url} with {contacts:,} contacts…")
        _seed(engine, settings, contacts)
    finally:
        engine.dispose()
    return url


def prepare(backend: str, contacts: int, settings: Any) -> str:
    """The URL of a database of ``backend`` holding ``contacts`` seeded contacts."""
    if backend == "sqlite":
        path = os.path.join(SQLITE_DIR, f"commcentre-bench-{contacts}.db")

        def reset() -> None:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)

        return _fresh_or_reused(f"sqlite:///{path}", settings, contacts, reset)
    admin_url = (
        os.environ.get("COMMCENTRE_BENCH_POSTGRES_URL")
        or os.environ.get("COMMCENTRE_TEST_DATABASE_URL")
        or PG_ADMIN_DEFAULT
    )
    admin = make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"commcentre_bench_{contacts}"
    url = admin.set(database=name).render_as_string(hide_password=False)

    def reset_pg() -> None:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()

    try:
        return _fresh_or_reused(url, settings, contacts, reset_pg)
    except Exception as exc:
        if "does not exist" in str(exc):
            reset_pg()
            return _fresh_or_reused(url, settings, contacts, lambda: None)
        raise


def vacuum_if_never(engine: Engine) -> None:
    """PostgreSQL: a freshly loaded database has no visibility map yet, so index-only scans
    still visit the heap; vacuum the searched tables once (what autovacuum would do later)."""
    if engine.dialect.name != "postgresql":
        return
    tables = (
        "contact",
        "contact_phone",
        "contact_email",
        "contact_address",
        "account",
        "subscription",
        "care_case",
        "communication",
    )
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(:t) AND "
                "last_vacuum IS NULL AND last_autovacuum IS NULL"
            ),
            {"t": list(tables)},
        ).all()
    todo = [r[0] for r in rows]
    if not todo:
        return
    _say(f"Vacuuming {', '.join(todo)} (visibility map for index-only scans)…")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in todo:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")


def measure(spec_name: str, result: CaseResult, ctx: BenchContext) -> Iterator[dict[str, Any]]:
    """Turn what a case returned into result rows."""
    base = {"case": spec_name, "backend": ctx.backend, "contacts": ctx.contacts}
    if isinstance(result, dict):
        yield {**base, **result}
        return
    if isinstance(result, list):
        for row in result:
            yield {**base, **row}
        return
    if isinstance(result, Rate):
        per_s = result.count / result.seconds if result.seconds > 0 else 0.0
        yield {**base, "n": result.count, "per_s": round(per_s, 1), **result.extra}
        return
    if isinstance(result, Samples):
        yield {**base, "n": len(result.values_ms), **latency(result.values_ms), **result.extra}
        return
    yield {**base, **_timed(result, ctx)}


def _timed(timed: Timed, ctx: BenchContext) -> dict[str, Any]:
    n = timed.n or ctx.repeat
    row: dict[str, Any] = {}
    agree = None
    if timed.check is not None and timed.raw is not None:
        agree = timed.check(timed.run(0), timed.raw(0))
    for i in range(timed.warmup):
        timed.run(i)
        if timed.raw is not None:
            timed.raw(i)
    clock = time.perf_counter
    values: list[float] = []
    raws: list[float] = []
    for i in range(n):
        start = clock()
        timed.run(i)
        values.append((clock() - start) * 1000)
        if timed.raw is not None:
            start = clock()
            timed.raw(i)
            raws.append((clock() - start) * 1000)
    row.update({"n": n, **latency(values)})
    if raws:
        row.update(latency(raws, "raw_"))
        row["raw_ratio_p95"] = (
            round(row["p95_ms"] / row["raw_p95_ms"], 1) if row["raw_p95_ms"] else None
        )
    if agree is not None:
        row["raw_agrees"] = agree
    row.update(timed.extra)
    return row


def run_backend(
    url: str,
    settings: Any,
    patterns: list[str] | None,
    repeat: int,
    report: Callable[[dict[str, Any]], None],
) -> None:
    """Run the selected cases against one database, reporting each result row."""
    from commcentre_tui.repo.db import make_engine
    from commcentre_tui.repo.migrate import check_current

    engine = make_engine(url)
    try:
        check_current(engine)
        vacuum_if_never(engine)
        ctx = BenchContext(
            engine=engine,
            settings=settings,
            backend=engine.dialect.name,
            contacts=count_contacts(engine),
            url=url,
            repeat=repeat,
        )
        for name in selected(patterns):
            spec = REGISTRY[name]
            try:
                result = spec.fn(ctx)
                for row in measure(name, result, ctx):
                    report(row)
            except Exception as exc:  # one broken case does not stop the others
                report(
                    {
                        "case": name,
                        "backend": ctx.backend,
                        "contacts": ctx.contacts,
                        "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                    }
                )
    finally:
        engine.dispose()
