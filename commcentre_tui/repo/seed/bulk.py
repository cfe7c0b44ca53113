"""Bulk synthetic data: `commcentre db seed --contacts N [--seed S]`.

Rows come from :mod:`commcentre_tui.repo.seed.generate` as tuples and go in through the raw
driver in one transaction: ``executemany`` on SQLite (foreign-key checks and fsync off for the
load) and ``COPY`` on PostgreSQL. Ids and business numbers continue above what the database
already holds, so a seed appends to demo or earlier data. A large load drops the secondary
(non-unique) indexes of the tables it fills and rebuilds them afterwards, which is several times
faster than maintaining them row by row.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from commcentre_tui.config import Settings
from commcentre_tui.models import Agent, NumberSequence, Product
from commcentre_tui.repo.numbers import SERIES
from commcentre_tui.repo.search import index as search_index
from commcentre_tui.repo.seed.bulk_driver import (
    analyze,
    bulk_connection,
    copy_writer,
    drop_indexes,
    fitted_writer,
    lock_tables,
    sqlite_writer,
)
from commcentre_tui.repo.seed.columns import COLUMNS, NUMBERED
from commcentre_tui.repo.seed.encoding import Encoding, Ids
from commcentre_tui.repo.seed.generate import BULK, Featured, Generator, Profile, World
from commcentre_tui.repo.seed.pools import PRODUCTS

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``; phases: load, index, search, analyze."""

CHUNK = 5000
"""Contacts generated and written per round trip."""
DROP_INDEXES_FROM = 20_000
"""Loads of at least this many contacts (and at least as many as exist) rebuild indexes."""
BULK_AGENTS = (
    ("andreas", "Andreas Charalambous", "Care", "2001", "agent"),
    ("christina", "Christina Nicolaou", "Care", "2002", "agent"),
    ("nikos", "Nikos Ioannou", "Technical", "2003", "agent"),
    ("elena", "Elena Kyriacou", "Sales", "2004", "agent"),
    ("marios", "Marios Georgiou", "Care", "2005", "agent"),
    ("sofia", "Sofia Petrou", "Finance", "2006", "finance"),
)


def seed_bulk(
    engine: Engine,
    settings: Settings,
    *,
    contacts: int,
    seed: int = 1,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Append ``contacts`` synthetic contacts with proportional related rows.

    Deterministic for a given ``(contacts, seed)`` and starting database (times are relative
    to today's midnight UTC). Returns the row count per table and ``seconds``.
    """
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return load(
        engine,
        settings,
        contacts=contacts,
        seed=seed,
        profile=BULK,
        anchor=today,
        progress=progress,
    )


def seed_bulk_with_progress(
    engine: Engine, settings: Settings, *, contacts: int, seed: int = 1
) -> dict[str, Any]:
    """:func:`seed_bulk` with a Rich progress bar on stderr and a summary line on stdout."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    labels = {
        "load": "Loading contacts",
        "index": "Rebuilding indexes",
        "search": "Rebuilding search indexes",
        "analyze": "Refreshing statistics",
    }
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(labels["load"], total=contacts)

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(task, description=labels.get(phase, phase), completed=done, total=total)

        result = seed_bulk(engine, settings, contacts=contacts, seed=seed, progress=progress)
    rows = sum(v for k, v in result.items() if k != "seconds")
    minutes, seconds = divmod(round(result["seconds"]), 60)
    print(
        f"Seeded {result['contact']:,} contacts, {result['account']:,} accounts, "
        f"{result['bill']:,} bills and {result['communication']:,} communications "
        f"({rows:,} rows) in {minutes}m {seconds:02d}s."
    )
    return result


def load(
    engine: Engine,
    settings: Settings,
    *,
    contacts: int,
    seed: int,
    profile: Profile,
    anchor: datetime,
    featured: tuple[Featured, ...] = (),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Generate and insert ``contacts`` contacts in one transaction; the row count per table."""
    started = time.perf_counter()
    report = progress or (lambda _phase, _done, _total: None)
    counts = dict.fromkeys(COLUMNS, 0)
    backend = engine.dialect.name
    with engine.connect() as conn:
        existing = conn.exec_driver_sql("SELECT COUNT(*) FROM contact").scalar_one()
    big = contacts >= DROP_INDEXES_FROM and contacts >= existing
    with bulk_connection(engine, big) as conn:
        with conn.begin():
            lock_tables(conn, backend)
            world = ensure_world(conn, settings)
            ids = _starting_ids(conn)
            search_index.suspend(conn)
            dropped = drop_indexes(conn, backend) if big else []
            generator = Generator(Encoding(backend), ids, world, profile, seed=seed, anchor=anchor)
            write = fitted_writer(
                conn, sqlite_writer(conn) if backend == "sqlite" else copy_writer(conn)
            )
            done = 0
            while done < contacts:
                n = min(CHUNK, contacts - done)
                rows = generator.batch(n, featured[done:])
                for table, columns in COLUMNS.items():
                    if rows[table]:
                        write(table, columns, rows[table])
                        counts[table] += len(rows[table])
                done += n
                report("load", done, contacts)
            report("index", done, contacts)
            for statement in dropped:
                conn.exec_driver_sql(statement)
            _advance_sequences(conn, backend, ids, [t for t, n in counts.items() if n])
            report("search", done, contacts)
            search_index.rebuild(conn)
        report("analyze", done, contacts)
        analyze(conn, backend, big)
    return {**counts, "seconds": time.perf_counter() - started}


def ensure_world(conn: Connection, settings: Settings) -> World:
    """The catalogue and agents rows point at, creating the catalogue and a few agents if none."""
    product = Product.__table__  # type: ignore[attr-defined]  # sqlmodel's stubs do not declare a table model's __table__
    if conn.execute(select(func.count()).select_from(product)).scalar_one() == 0:
        conn.execute(
            insert(product),
            [
                {
                    "code": c,
                    "name": n,
                    "kind": k,
                    "price": Decimal(p) / 100,
                    "billing_period": b,
                    "active": True,
                }
                for c, n, k, p, b in PRODUCTS
            ],
        )
    items = conn.execute(
        select(product.c.id, product.c.name, product.c.kind, product.c.price)
        .where(product.c.active)
        .order_by(product.c.id)
    ).all()
    agent = Agent.__table__  # type: ignore[attr-defined]  # sqlmodel's stubs do not declare a table model's __table__
    if conn.execute(select(func.count()).select_from(agent)).scalar_one() == 0:
        now = datetime.now(UTC)
        conn.execute(
            insert(agent),
            [
                {
                    "username": u,
                    "display_name": d,
                    "unit": un,
                    "extension": x,
                    "role": r,
                    "active": True,
                    "created_at": now,
                    "version": 1,
                }
                for u, d, un, x, r in BULK_AGENTS
            ],
        )
    agents = conn.execute(
        select(agent.c.id, agent.c.unit).where(agent.c.active).order_by(agent.c.id)
    ).all()
    return World(
        recurring=tuple((i, n, int(p * 100)) for i, n, k, p in items if k == "recurring"),
        one_time=tuple((i, n, int(p * 100)) for i, n, k, p in items if k != "recurring"),
        agents=tuple((i, u) for i, u in agents),
        reasons=tuple(settings.cti.disposition_reasons),
        outcomes=tuple(settings.cti.disposition_outcomes),
    )


def _starting_ids(conn: Connection) -> Ids:
    """Ids above each table's maximum; numbers above both the series and the highest used."""
    next_ids = {
        t: conn.exec_driver_sql(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{t}"').scalar_one()
        for t in COLUMNS
    }
    seq = NumberSequence.__table__  # type: ignore[attr-defined]  # sqlmodel's stubs do not declare a table model's __table__
    numbers: dict[str, int] = dict(
        conn.execute(select(seq.c.name, seq.c.next_value)).tuples().all()
    )
    for table, (series, column) in NUMBERED.items():
        highest = conn.exec_driver_sql(f'SELECT MAX("{column}") FROM "{table}"').scalar_one()
        prefix = SERIES[series][0]
        if highest and highest.startswith(prefix) and highest[len(prefix) :].isdigit():
            numbers[series] = max(numbers.get(series, 1), int(highest[len(prefix) :]) + 1)
    return Ids(next_ids, numbers)


def _advance_sequences(conn: Connection, backend: str, ids: Ids, tables: list[str]) -> None:
    """Business-number series and (PostgreSQL) id sequences past everything loaded."""
    seq = NumberSequence.__table__  # type: ignore[attr-defined]  # sqlmodel's stubs do not declare a table model's __table__
    have: dict[str, int] = dict(conn.execute(select(seq.c.name, seq.c.next_value)).tuples().all())
    for series, value in ids.next_numbers.items():
        if series not in have:
            conn.execute(insert(seq).values(name=series, next_value=value))
        elif have[series] < value:
            conn.execute(update(seq).where(seq.c.name == series).values(next_value=value))
    if backend == "postgresql":
        for table in tables:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
            )


def os_agent_name() -> str:
    """The operating-system user running this process ("" when it cannot be told)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
