"""The raw-driver side of a bulk load: the connection tuned for loading, the table lock, the
secondary indexes dropped for a large load, the row writers (executemany on SQLite, COPY on
PostgreSQL) and the planner statistics afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from commcentre_tui.repo.seed.columns import COLUMNS


@contextmanager
def bulk_connection(engine: Engine, big: bool) -> Iterator[Connection]:
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


def lock_tables(conn: Connection, backend: str) -> None:
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


def drop_indexes(conn: Connection, backend: str) -> list[str]:
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


def fitted_writer(conn: Connection, write: Writer) -> Writer:
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


def sqlite_writer(conn: Connection) -> Writer:
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


def copy_writer(conn: Connection) -> Writer:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()

    def write(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    return write


def analyze(conn: Connection, backend: str, big: bool) -> None:
    """Refresh planner statistics after the load (SQLite: a bounded, fast ANALYZE)."""
    with conn.begin():
        if backend == "sqlite":
            conn.exec_driver_sql("ANALYZE")  # bounded by analysis_limit (see bulk_connection)
        elif big:
            conn.exec_driver_sql("ANALYZE")
