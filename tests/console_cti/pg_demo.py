"""The demo data on PostgreSQL for console Pilot tests: seeded once per test session into a
template database, then copied per test with ``CREATE DATABASE … TEMPLATE`` (a file copy, much
faster than seeding) and dropped afterwards — so each test has its own private demo database,
as the SQLite tests have their own file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from commcentre_tui.repo.db import make_engine
from commcentre_tui.repo.migrate import upgrade
from tests.conftest import PG_ADMIN_URL


def _admin() -> tuple[Engine, object]:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT"), url


def _drop(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s",
            {"n": name},
        )
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')


@contextmanager
def pg_template(prefix: str, fill: Callable[[Engine], None]) -> Iterator[str]:
    """A migrated PostgreSQL database filled by ``fill(engine)``; yields its name, drops it after."""
    admin, url = _admin()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        engine = make_engine(url.set(database=name).render_as_string(hide_password=False))  # type: ignore[attr-defined]
        upgrade(engine)
        fill(engine)
        engine.dispose()
        yield name
    finally:
        _drop(admin, name)
        admin.dispose()


@contextmanager
def pg_copy(template: str) -> Iterator[Engine]:
    """An engine on a private copy of the ``template`` database (dropped afterwards)."""
    admin, url = _admin()
    name = f"{template}_t{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))  # type: ignore[attr-defined]
    try:
        yield engine
    finally:
        engine.dispose()
        _drop(admin, name)
        admin.dispose()


@contextmanager
def backend_engine(
    backend: str, sqlite_file: Callable[[], Path], pg_template_name: Callable[[], str]
) -> Iterator[Engine]:
    """An engine on a private demo database: the SQLite file ``sqlite_file()`` gives (already a
    copy), or a copy of the PostgreSQL template ``pg_template_name()`` names."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{sqlite_file()}")
        try:
            yield engine
        finally:
            engine.dispose()
    else:
        with pg_copy(pg_template_name()) as engine:
            yield engine
