"""Scenario 7: a database created by the previous release's migrations, filled with the demo data
and hand-picked rows, upgrades to head with every table, column and value intact.

Runs on both backends, but not on the ``engine`` fixture: that one is already at head, and this
test needs an empty database to migrate to the older revision first (its own SQLite file or its
own PostgreSQL database, dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from commcentre_tui.config import Settings
from commcentre_tui.reliability.upgrade import RELEASED, previous_revision, run_upgrade
from commcentre_tui.repo.db import make_engine
from commcentre_tui.repo.migrate import head_revision
from tests.conftest import fast_commits

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


@pytest.fixture(params=BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database (no schema) on each backend."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    admin_url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    name = f"cc_upgrade_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


#: The revision before head, and the released head (0002) when later migrations have come since.
STARTS = sorted({previous_revision(), RELEASED})


@pytest.mark.parametrize("start", STARTS)
def test_an_older_schema_upgrades_to_head_with_its_data_intact(
    blank_engine: Engine, settings: Settings, start: str
) -> None:
    report = run_upgrade(blank_engine, settings, from_revision=start)
    assert report.violations == []
    assert (report.from_revision, report.to_revision) == (start, head_revision())
    assert report.tables >= 30 and report.rows > 10_000  # the demo data set, not an empty shell
