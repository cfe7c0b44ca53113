"""Engines and transactions: the one place that knows how to connect to each backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 5000


class DatabaseError(Exception):
    """A database problem described in one sentence (unreachable, wrong URL, old schema…)."""


def backend_name(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``."""
    return engine.dialect.name


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA mmap_size=1073741824")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers say so up front (BEGIN IMMEDIATE) so two writers queue on busy_timeout instead of
    # failing when a read lock cannot be upgraded; readers stay deferred and never block.
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url`` with the backend's pragmas and pool settings.

    Losing the database mid-session is survivable: on PostgreSQL every pooled connection is
    pinged before use (``pool_pre_ping``) and a connection error invalidates the whole pool, so
    once the server answers again the next call reconnects by itself; the failed call itself
    raises ``OperationalError`` (rolled back, never half done) for the screen to say so. On
    SQLite a writer waits ``busy_timeout_ms`` for another writer's lock, then fails the same way.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"The database URL {url!r} is not a valid SQLAlchemy URL.") from None
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        kwargs: dict[str, Any] = {
            "connect_args": {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}}
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(parsed, echo=echo, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, record: Any) -> None:
            _sqlite_pragmas(dbapi_conn, record, busy_timeout_ms)

        # pysqlite's own transaction handling defers BEGIN; issue it ourselves so a writer
        # takes its lock at the start of a transaction, not at its first write.
        event.listen(engine, "begin", _sqlite_begin)

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5,
            connect_args={"connect_timeout": 5, "application_name": "commcentre"},
        )
    raise DatabaseError(
        f"The database URL uses {parsed.get_backend_name()!r}; commcentre supports sqlite and postgresql."
    )


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    from sqlmodel import Session  # (the ORM loads with the first session, not at start-up)

    bind = engine.execution_options(sqlite_immediate=True) if engine.dialect.name == "sqlite" else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A short read-only session; loaded objects stay usable after it closes."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        yield session
