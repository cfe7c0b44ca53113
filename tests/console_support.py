"""What the console Pilot tests share (tests/console, console_comms, console_cti, console_actions).

The demo data's fixed clock, a deterministic terminal (the autouse ``_deterministic`` fixture: a
conftest imports it to apply it to its directory), the demo data seeded into a SQLite template
file (the root fixture ``demo_template`` is one), private copies of it, and the console app for
an agent of the demo data.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.widgets import Input
from textual.worker import WorkerCancelled

from commcentre_tui.app import CommCentreApp, create_app
from commcentre_tui.config import Settings, load_settings
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.repo.db import make_engine, transaction
from commcentre_tui.repo.permissions import Actor
from tests.conftest import TEST_CONFIG, built_sqlite_file

#: Workers that run for the console's whole life: waiting for them would never end.
LONG_RUNNING = ("task-reminders", "delivery")


async def settle_workers(
    pilot: Any, rounds: int = 3, ignore: Collection[str] = LONG_RUNNING
) -> None:
    """Let the console's workers finish and their results reach the screen.

    A load or a search may start more work, so this repeats ``rounds`` times. A worker cancelled
    on the way (an exclusive worker replaced by a newer one, as a second search replaces the
    first) is an expected outcome, not an error; a worker that failed still fails the test.
    """
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in app.workers if w.group not in ignore and not w.is_finished]
        for worker in busy:
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
    await pilot.pause()


#: The demo data's clock: every date the tests see is relative to this.
DEMO_NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = DEMO_NOW.date()


def today() -> date:
    return TODAY


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """UTC dates on screen and a steady (non-blinking) text cursor."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    yield
    monkeypatch.undo()
    time.tzset()


# -- the demo data -----------------------------------------------------------------------------
def fill_demo(engine: Engine) -> None:
    """Seed the demo data (300 customers, agents maria/george/eleni/admin) as of ``DEMO_NOW``."""
    from commcentre_tui.services.demo import seed_demo

    seed_demo(engine, load_settings(TEST_CONFIG), now=DEMO_NOW)


def fill_demo_with_templates(engine: Engine) -> None:
    """The demo data plus the shipped communication templates."""
    from commcentre_tui.comms.templates import install_default_templates

    fill_demo(engine)
    with transaction(engine) as session:
        install_default_templates(session)


def sqlite_demo_file(
    sqlite_template: Path, path: Path, fill: Callable[[Engine], None] = fill_demo
) -> Path:
    """Copy the migrated (empty) ``sqlite_template`` to ``path`` and ``fill`` it: a template file
    that tests copy (its write-ahead log checkpointed into the file)."""
    shutil.copyfile(sqlite_template, path)
    return built_sqlite_file(path, fill)


def private_copy(template: Path, tmp_path: Path) -> Path:
    """A copy of the ``template`` database file that one test may change."""
    path = tmp_path / "demo.db"
    shutil.copyfile(template, path)
    return path


@contextmanager
def sqlite_engine(path: Path) -> Iterator[Engine]:
    """An engine on the SQLite file ``path``, disposed afterwards."""
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


# -- the console -------------------------------------------------------------------------------
def console_app(
    engine: Engine,
    settings: Settings,
    agent: str = "maria",
    *,
    actor: Actor | None = None,
    today: Callable[[], date] | None = None,
) -> CommCentreApp:
    """The console on ``engine`` for ``agent`` of the demo data (or the given ``actor``)."""
    chosen = actor if actor is not None else actor_for(engine, settings, agent)
    return create_app(settings=settings, engine=engine, actor=chosen, today=today)


def app_builder(
    engine: Engine, default_settings: Settings, *, today: Callable[[], date] | None = None
) -> Callable[..., CommCentreApp]:
    """``build(agent="maria", settings=None)``: the console for an agent of the demo data, with
    ``default_settings`` unless other settings are given (a ``make_app`` fixture returns it)."""

    def build(agent: str = "maria", settings: Settings | None = None) -> CommCentreApp:
        return console_app(engine, settings or default_settings, agent, today=today)

    return build
