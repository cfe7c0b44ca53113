"""Console CTI tests: the demo database (copied per test) on SQLite and on PostgreSQL, a fake
Asterisk on loopback, and the real console app with CTI pointing at it (agent maria, extension
1001)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot

from commcentre_tui.app import CommCentreApp
from commcentre_tui.config import Settings, load_settings
from commcentre_tui.controllers.cti import CtiController, attach_cti
from commcentre_tui.controllers.cti.waiting import until
from commcentre_tui.repo.customer_info import contact_info
from commcentre_tui.widgets.cti_status import CtiStatus
from commcentre_tui.widgets.customer_header import CustomerHeader
from tests.conftest import BACKENDS, TEST_CONFIG
from tests.console_cti.pg_demo import backend_engine, pg_template
from tests.console_support import (  # noqa: F401 - the autouse fixture applies to this directory
    _deterministic,
    console_app,
    fill_demo,
    private_copy,
    today,
)
from tests.cti.cti_fakes import FAST, FakeAsterisk

EXTENSION = "1001"


@pytest.fixture(scope="session")
def pg_demo_template() -> Iterator[str]:
    """The demo data seeded once into a PostgreSQL template database (its name)."""
    with pg_template("cc_demo", fill_demo) as name:
        yield name


@pytest.fixture(params=BACKENDS)
def demo_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the demo database (the root fixture ``demo_template``), on each backend."""

    def sqlite_file() -> Path:
        return private_copy(request.getfixturevalue("demo_template"), tmp_path)

    with backend_engine(
        request.param, sqlite_file, lambda: request.getfixturevalue("pg_demo_template")
    ) as engine:
        yield engine


@pytest.fixture
async def pbx() -> AsyncIterator[FakeAsterisk]:
    """A fake Asterisk accepting commcentre / s3cret."""
    fake = await FakeAsterisk().start()
    yield fake
    await fake.close()


def cti_settings(port: int, **cti: Any) -> Settings:
    """The test configuration with CTI on, pointing at the fake PBX on ``port``."""
    values = {
        "enabled": True,
        "provider": "asterisk",
        "host": "127.0.0.1",
        "port": port,
        "username": "commcentre",
        "secret": "s3cret",
        "agent_extension": EXTENSION,
        "wrap_up_seconds": 60,
        **cti,
    }
    return load_settings(TEST_CONFIG, cti=values)


@pytest.fixture
def make_cti_app(demo_engine: Engine, pbx: FakeAsterisk) -> Callable[..., CommCentreApp]:
    """The console for maria with ``[cti]`` overrides."""

    def build(agent: str = "maria", **cti: Any) -> CommCentreApp:
        app = console_app(demo_engine, cti_settings(pbx.port, **cti), agent, today=today)
        app.cti_options = dict(FAST)
        return app

    return build


async def start_cti(pilot: Pilot[Any], *, connected: bool = True) -> CtiController:
    """Wait for the console and the CTI it attached on mount."""
    app: Any = pilot.app
    await until(pilot, lambda: app.console_screen.panels_ready.is_set())
    controller = attach_cti(app, **FAST)  # already attached on mount: returns that controller
    if connected:
        await until(pilot, lambda: controller.state == "connected")
    return controller


def status_text(app: Any) -> str:
    return app.console_screen.query_one(CtiStatus).shown


def header_text(app: Any) -> str:
    return str(app.console_screen.query_one(CustomerHeader).render())


def notes(app: Any) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def contact(engine: Engine, contact_id: int) -> dict[str, Any]:
    """A demo contact's name, customer number and first phone (E.164)."""
    info = contact_info(engine, contact_id)
    return {
        "id": contact_id,
        "name": info.display_name,
        "number": info.customer_number,
        "e164": info.phones[0].e164,
    }


def national(e164: str) -> str:
    """How a Cypriot PBX shows the caller: the national number without +357."""
    return e164.removeprefix("+357")
