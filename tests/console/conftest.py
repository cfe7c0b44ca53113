"""Console tests: a demo database built once per session (SQLite, copied per test), a
deterministic app (fixed clock, UTC, no cursor blink) and helpers to drive it like an agent."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Input

from commcentre_tui.app import CommCentreApp, create_app
from commcentre_tui.config import Settings, load_settings
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.repo.db import make_engine
from tests.conftest import TEST_CONFIG

#: The demo data's clock: every date the tests see is relative to this.
DEMO_NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = DEMO_NOW.date()


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """UTC dates on screen and a steady (non-blinking) text cursor."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data set (300 customers, agents maria/george/eleni/admin) in a SQLite file."""
    from commcentre_tui.repo.seed.demo import seed_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed_demo(engine, load_settings(TEST_CONFIG), now=DEMO_NOW)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def demo_engine(demo_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the demo database."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def console_settings() -> Settings:
    return load_settings(TEST_CONFIG)


@pytest.fixture
def make_app(demo_engine: Engine, console_settings: Settings) -> Callable[..., CommCentreApp]:
    """Build the console for an agent of the demo data (default: maria)."""

    def build(agent: str = "maria", settings: Settings | None = None) -> CommCentreApp:
        chosen = settings or console_settings
        actor = actor_for(demo_engine, chosen, agent)
        return create_app(settings=chosen, engine=demo_engine, actor=actor,
                          today=lambda: TODAY)

    return build


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let workers finish and their results reach the screen (a load may start more work)."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` key by key, as an agent would."""
    await pilot.press(*text)


def table_rows(table: Any) -> list[list[str]]:
    """The plain text of every row of a DataTable."""
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def today() -> date:
    return TODAY
