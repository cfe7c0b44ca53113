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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from commcentre_tui.config import Settings
from commcentre_tui.models import Agent, NumberSequence, Product
from commcentre_tui.repo.numbers import SERIES
from commcentre_tui.repo.search import index as search_index
from commcentre_tui.repo.seed.columns import COLUMNS, NUMBERED
from commcentre_tui.repo.seed.generate import (
    BULK,
    Encoding,
    Featured,
    Generator,
    Ids,
    Profile,
    World,
)
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
    with _bulk_connection(engine, big) as conn:
        with conn.begin():
            _lock(conn, backend)
            world = ensure_world(conn, settings)
            ids = _starting_ids(conn)
            search_index.suspend(conn)
            dropped = _drop_indexes(conn, backend) if big else []
            generator = Generator(Encoding(backend), ids, world, profile, seed=seed, anchor=anchor)
            write = _fitted(
                conn, _sqlite_writer(conn) if backend == "sqlite" else _copy_writer(conn)
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
        _analyze(conn, backend, big)
    return {**counts, "seconds": time.perf_counter() - started}


@contextmanager
def _bulk_connection(engine: Engine, big: bool) -> Iterator[Connection]:
    """A connection tuned for loading, restored after. SQLite: no fsync and no per-row
    foreign-key checks; for a big load also a rollback journal instead of WAL when no other
    connection is open (appended pages are then written once, not to the WAL and again)."""
    sqlite = engine.dialect.name == "sqlite"
    if sqlite and big:
        engine.dispose()  # idle pooled connections would keep the file in WAL mode
    conn = engine.connect().execution_options(sqlite_immediate=True)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    left_wal = False
    try:
        if sqlite:
            for pragma in (
                "foreign_keys=OFF",
                "synchronous=OFF",
                "cache_size=-262144",
                "analysis_limit=1000",
            ):
                raw.execute(f"PRAGMA {pragma}")
            if big and raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                left_wal = raw.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
        yield conn
    finally:
        try:
            if sqlite:
                if left_wal:
                    raw.execute("PRAGMA journal_mode=WAL")
                for pragma in (
                    "foreign_keys=ON",
                    "synchronous=NORMAL",
                    "cache_size=-65536",
                    "analysis_limit=0",
                ):
                    raw.execute(f"PRAGMA {pragma}")
        finally:
            conn.close()


def _lock(conn: Connection, backend: str) -> None:
    """PostgreSQL: keep other writers out of the filled and referenced tables (SQLite: BEGIN
    IMMEDIATE did), then skip the per-row foreign-key triggers where the role may (the rows are
    consistent by construction; this halves the load time)."""
    if backend != "postgresql":
        return
    tables = ", ".join(f'"{t}"' for t in (*COLUMNS, "number_sequence", "agent", "product"))
    conn.exec_driver_sql(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    except DBAPIError:
        pass  # not a superuser: foreign keys are checked row by row, which is only slower


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


def _drop_indexes(conn: Connection, backend: str) -> list[str]:
    """Drop the non-unique indexes of the filled tables; the statements that recreate them."""
    tables = list(COLUMNS)
    found: Sequence[Any]
    if backend == "sqlite":
        marks = ", ".join("?" for _ in tables)
        found = conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            tuple(tables),
        ).all()
        found = [(n, s) for n, s in found if not s.upper().startswith("CREATE UNIQUE")]
    else:
        found = conn.execute(
            text(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_namespace s ON s.oid = t.relnamespace "
                "WHERE s.nspname = current_schema() AND t.relname = ANY(:tables) "
                "AND NOT x.indisunique AND NOT x.indisprimary"
            ),
            {"tables": tables},
        ).all()
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    for name, _sql in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


Writer = Callable[[str, tuple[str, ...], list[tuple[Any, ...]]], None]
"""``write(table, columns, rows)``."""


def _fitted(conn: Connection, write: Writer) -> Writer:
    """``write``, leaving out the generated columns the database does not have yet (a database
    at an older schema revision, e.g. the upgrade scenario's)."""
    inspector = inspect(conn)
    narrow: dict[str, list[int]] = {}
    for table, columns in COLUMNS.items():
        have = {column["name"] for column in inspector.get_columns(table)}
        if not have.issuperset(columns):
            narrow[table] = [i for i, name in enumerate(columns) if name in have]
    if not narrow:
        return write

    def fitted(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        kept = narrow.get(table)
        if kept is None:
            write(table, columns, rows)
        else:
            write(table, tuple(columns[i] for i in kept), [tuple(r[i] for i in kept) for r in rows])

    return fitted


def _sqlite_writer(conn: Connection) -> Writer:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    statements: dict[str, str] = {}

    def write(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        sql = statements.get(table)
        if sql is None:
            sql = statements[table] = (
                f'INSERT INTO "{table}" ({", ".join(columns)}) '
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
        cursor.executemany(sql, rows)

    return write


def _copy_writer(conn: Connection) -> Writer:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()

    def write(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    return write


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


def _analyze(conn: Connection, backend: str, big: bool) -> None:
    """Refresh planner statistics after the load (SQLite: a bounded, fast ANALYZE)."""
    with conn.begin():
        if backend == "sqlite":
            conn.exec_driver_sql("ANALYZE")  # bounded by analysis_limit (see _bulk_connection)
        elif big:
            conn.exec_driver_sql("ANALYZE")


def os_agent_name() -> str:
    """The operating-system user running this process ("" when it cannot be told)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
