"""Console tests: a demo database built once per session (SQLite, copied per test), a
deterministic app (fixed clock, UTC, no cursor blink) and helpers to drive it like an agent.

The shared construction lives in :mod:`tests.console_support`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot

from commcentre_tui.app import CommCentreApp
from commcentre_tui.config import Settings
from tests.console_support import (  # noqa: F401 - the autouse fixture applies to this directory
    DEMO_NOW,
    TODAY,
    _deterministic,
    app_builder,
    private_copy,
    settle_workers,
    sqlite_engine,
    today,
)


@pytest.fixture
def demo_engine(demo_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the demo database (the root fixture ``demo_template``)."""
    with sqlite_engine(private_copy(demo_template, tmp_path)) as engine:
        yield engine


@pytest.fixture
def console_settings(settings: Settings) -> Settings:
    """The test configuration (a test may change it before it builds the app)."""
    return settings


@pytest.fixture
def make_app(demo_engine: Engine, console_settings: Settings) -> Callable[..., CommCentreApp]:
    """Build the console for an agent of the demo data (default: maria) on the demo's clock."""
    return app_builder(demo_engine, console_settings, today=today)


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let workers finish and their results reach the screen (a load may start more work)."""
    await settle_workers(pilot, rounds)


async def settle_until(
    pilot: Pilot[Any], ready: Callable[[Any], bool], what: str, timeout: float = 60.0
) -> None:
    """Settle until ``ready(app)`` holds (a safety-net timeout, never a measurement)."""
    deadline = time.monotonic() + timeout
    while not ready(pilot.app):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await settle(pilot, rounds=1)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` key by key, as an agent would."""
    await pilot.press(*text)


def table_rows(table: Any) -> list[list[str]]:
    """The plain text of every row of a DataTable."""
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
