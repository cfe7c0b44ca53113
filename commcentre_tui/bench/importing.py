"""``import.contacts``: ``commcentre import contacts`` of a generated file, then the same file again.

The import goes into a scratch database of the bench's backend (a temporary SQLite file, or a
``commcentre_bench_import`` PostgreSQL database next to the bench database), so the seeded
bench database is left as it was. Rows: ``COMMCENTRE_BENCH_IMPORT_ROWS`` (default 1,000,000);
each has an external id, names, a mobile, an email, a city and a language. Reported: rows/s of
the first import (goal ≥ 20,000) and of the re-run that finds every row unchanged (goal ≥ 50,000).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from commcentre_tui.bench.registry import BenchContext, case

FIRST = ("Maria", "Andreas", "Eleni", "Nikos", "Sofia", "Giorgos", "Christina", "Marios")
LAST = ("Georgiou", "Pavlou", "Ioannou", "Charalambous", "Nicolaou", "Kyriacou", "Petrou")
CITIES = ("Nicosia", "Limassol", "Larnaca", "Paphos", "Famagusta")


def import_rows() -> int:
    return int(os.environ.get("COMMCENTRE_BENCH_IMPORT_ROWS", "1000000"))


def write_file(path: Path, rows: int) -> None:
    """A contacts CSV of ``rows`` distinct customers (unique ids, mobiles and emails)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("external_id,first_name,last_name,mobile,email,city,preferred_language\n")
        for i in range(rows):
            prefix = ("99", "97", "96", "95", "94")[i // 1_000_000 % 5]
            first, last = FIRST[i % len(FIRST)], LAST[i // 8 % len(LAST)]
            out.write(
                f"EXT{i:08d},{first},{last}{i % 997},{prefix} {i % 1_000_000:06d},"
                f"{first.lower()}.{i}@example.com,{CITIES[i % 5]},{'el' if i % 3 else 'en'}\n"
            )


def _scratch(ctx: BenchContext, folder: Path) -> tuple[str, Any]:
    """A migrated empty database of the bench's backend and a function that removes it."""
    from commcentre_tui.repo.db import make_engine
    from commcentre_tui.repo.migrate import upgrade

    if ctx.backend == "sqlite":
        url = f"sqlite:///{folder / 'import.db'}"
        cleanup: Any = lambda: None  # noqa: E731 - the folder goes with the files
    else:
        admin = make_url(ctx.url).set(drivername="postgresql+psycopg", database="postgres")
        name = "commcentre_bench_import"
        server = create_engine(admin, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = admin.set(database=name).render_as_string(hide_password=False)

        def cleanup() -> None:
            with server.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.dispose()

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url, cleanup


@case(
    "import.contacts",
    "commcentre import contacts of N generated rows, then the same file "
    "again (rows/s; COMMCENTRE_BENCH_IMPORT_ROWS, default 1,000,000)",
)
def import_contacts_case(ctx: BenchContext) -> list[dict[str, Any]]:
    from commcentre_tui.repo.db import make_engine
    from commcentre_tui.services.importing import ImportOptions, import_contacts

    rows = import_rows()
    folder = Path(tempfile.mkdtemp(prefix="commcentre-bench-import-"))
    cleanup = None
    try:
        path = folder / "contacts.csv"
        write_file(path, rows)
        url, cleanup = _scratch(ctx, folder)
        engine = make_engine(url)
        results = []
        try:
            for label in ("first", "rerun"):
                started = time.perf_counter()
                result = import_contacts(engine, ctx.settings, ImportOptions(path=path))
                seconds = time.perf_counter() - started
                if result.problems or not result.written:
                    raise RuntimeError(f"the bench import reported problems: {result.shown[:3]}")
                expected = (rows, 0) if label == "first" else (0, rows)
                assert (result.created, result.unchanged) == expected, (
                    result.created,
                    result.unchanged,
                )
                results.append(
                    {
                        "case": f"import.contacts.{label}",
                        "backend": ctx.backend,
                        "contacts": ctx.contacts,
                        "n": rows,
                        "per_s": round(rows / seconds),
                        "seconds": round(seconds, 2),
                        "goal_per_s": 20_000 if label == "first" else 50_000,
                    }
                )
        finally:
            engine.dispose()
        return results
    finally:
        if cleanup is not None:
            cleanup()
        shutil.rmtree(folder, ignore_errors=True)
