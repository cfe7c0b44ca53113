"""Engines and transactions: the one place that knows how to connect to each backend.

Data at rest: a SQLite database holds customer data and voucher secrets, so a database file
this code creates is private to its owner — the file ``0600`` (SQLite gives its ``-wal``,
``-shm`` and ``-journal`` files the database file's mode) and a folder it creates for it
``0700`` (:func:`private_sqlite_file`). The worker's lock file beside it is ``0600`` too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 5000
#: Modes of what this code creates for a SQLite database: readable by its owner only.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


class DatabaseError(Exception):
    """A database problem described in one sentence (unreachable, wrong URL, old schema…)."""


def backend_name(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``."""
    return engine.dialect.name


def _sqlite_pragmas(
    dbapi_conn: Any, _record: Any, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA mmap_size=1073741824")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def private_sqlite_file(database: str) -> None:
    """Before SQLite first opens ``database``: create its folder ``0700`` (when missing; the
    checkout's own ``data/`` folder is made ``0700`` too) and the empty database file ``0600``,
    so SQLite never creates it (or its ``-wal``/``-shm``) with the umask's ``0644``. An existing
    file keeps the mode its administrator gave it."""
    path = Path(database).expanduser()
    if path.exists():
        return
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=PRIVATE_DIR_MODE, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode passes through the umask
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:  # another process created it meanwhile
        return
    os.fchmod(fd, PRIVATE_FILE_MODE)
    os.close(fd)
    from commcentre_tui.config import DEFAULT_DATABASE_PATH

    if path.resolve() == DEFAULT_DATABASE_PATH.resolve():
        os.chmod(folder, PRIVATE_DIR_MODE)


def _sqlite_begin(conn: Any) -> None:
    # Writers say so up front (BEGIN IMMEDIATE) so two writers queue on busy_timeout instead of
    # failing when a read lock cannot be upgraded; readers stay deferred and never block.
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(
    url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> Engine:
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
        if not memory and not str(parsed.database).startswith("file:"):
            private_sqlite_file(str(parsed.database))
        kwargs: dict[str, Any] = {
            "connect_args": {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
        }
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
            parsed,
            echo=echo,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            connect_args={"connect_timeout": 5, "application_name": "commcentre"},
        )
    raise DatabaseError(
        f"The database URL uses {parsed.get_backend_name()!r}; commcentre supports sqlite and postgresql."
    )


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error. The customers it changed
    get their change counters raised just before the commit (:mod:`.changes`)."""
    from sqlmodel import Session  # (the ORM loads with the first session, not at start-up)

    from commcentre_tui.repo import changes

    bind = (
        engine.execution_options(sqlite_immediate=True)
        if engine.dialect.name == "sqlite"
        else engine
    )
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session
        changes.flush(session)


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A short read-only session; loaded objects stay usable after it closes."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        yield session
