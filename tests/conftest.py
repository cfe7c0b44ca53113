"""Shared fixtures: every data test runs on SQLite and PostgreSQL.

PostgreSQL tests use ``COMMCENTRE_TEST_DATABASE_URL`` (an admin URL: the suite creates and drops
its own database there). Without it they skip on a laptop; ``.ci/run`` always sets it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from commcentre_tui.config import Settings, load_settings
from commcentre_tui.repo.db import make_engine
from commcentre_tui.repo.migrate import upgrade
from commcentre_tui.repo.permissions import Actor

TESTS_DIR = Path(__file__).resolve().parent
TEST_CONFIG = TESTS_DIR / "config.test.toml"


def fast_commits(url: str) -> str:
    """``url`` with ``synchronous_commit=off`` for its sessions: a commit returns before its WAL
    reaches the disk, so the tests do not wait on the disk (only a crash of the server itself
    could lose the last commits, which no test does; every other behaviour is unchanged)."""
    if not url or "options" in make_url(url).query:
        return url
    return (
        make_url(url)
        .update_query_dict({"options": "-c synchronous_commit=off"})
        .render_as_string(hide_password=False)
    )


PG_ADMIN_URL = fast_commits(os.environ.get("COMMCENTRE_TEST_DATABASE_URL", ""))

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_ADMIN_URL, reason="COMMCENTRE_TEST_DATABASE_URL is not set"),
        ],
    ),
]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer config or COMMCENTRE_* variables leak into a test."""
    for name in list(os.environ):
        if name.startswith("COMMCENTRE_") and name != "COMMCENTRE_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("COMMCENTRE_CONFIG", str(TEST_CONFIG))


@pytest.fixture(autouse=True)
def _services_start_with_the_first_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process consoles start the delivery worker, reminders and presence with their first
    frame (not half a second later, as in use), so what a test sees does not depend on timing.
    Consoles run as real processes (tests/pty_console.py) keep the real delay."""
    monkeypatch.setattr("commcentre_tui.app.BACKGROUND_DELAY", 0)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file that each test copies."""
    return built_sqlite_file(tmp_path_factory.mktemp("template") / "template.db", upgrade)


def built_sqlite_file(path: Path, build: Callable[[Engine], object]) -> Path:
    """Run ``build`` on the SQLite file ``path``, its write-ahead log checkpointed into the
    file (so the file alone can be copied)."""
    engine = make_engine(f"sqlite:///{path}")
    build(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data set (300 customers, agents maria/george/eleni/admin, as of
    ``tests.console_support.DEMO_NOW``) in a SQLite file that the console tests copy."""
    from tests.console_support import sqlite_demo_file

    return sqlite_demo_file(sqlite_template, tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test session, migrated; dropped at the end."""
    if not PG_ADMIN_URL:
        pytest.skip("COMMCENTRE_TEST_DATABASE_URL is not set")
    admin_url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    name = f"cc_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s",
            {"n": name},
        )
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            conn.exec_driver_sql(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        url: str = request.getfixturevalue("pg_database")
        eng = make_engine(url)
        _truncate_all(eng)
        yield eng
        eng.dispose()


@pytest.fixture
def settings() -> Settings:
    """The deterministic test configuration (tests/config.test.toml)."""
    return load_settings(TEST_CONFIG)


@pytest.fixture
def admin_actor(engine: Engine) -> Actor:
    """An admin agent that exists in ``engine``."""
    from commcentre_tui.models import Agent
    from commcentre_tui.repo.db import transaction

    with transaction(engine) as session:
        agent = Agent(username="tester", display_name="Test Admin", role="admin", unit="Care")
        session.add(agent)
        session.flush()
        agent_id = agent.id
    return Actor(
        agent_id=agent_id,
        username="tester",
        role_name="admin",
        display_name="Test Admin",
        unit="Care",
    )
