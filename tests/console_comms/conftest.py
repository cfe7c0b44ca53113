"""Console communication tests, on SQLite and PostgreSQL: the demo data (with the shipped
templates) built once per session (a SQLite file; a PostgreSQL template database) and copied per
test, an app for an agent, and helpers to drive the form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot

from commcentre_tui.app import CommCentreApp
from commcentre_tui.config import Settings
from tests.conftest import BACKENDS
from tests.console_cti.pg_demo import backend_engine, pg_template
from tests.console_support import (  # noqa: F401 - the autouse fixture applies to this directory
    DEMO_NOW,
    _deterministic,
    app_builder,
    fill_demo_with_templates,
    private_copy,
    settle_workers,
    sqlite_demo_file,
)

SIZE = (130, 60)


@pytest.fixture(autouse=True)
def _openers_restored() -> Iterator[None]:
    """Tests register the communication openers; other tests see the registry as it was."""
    from commcentre_tui.screens.actions import wiring

    saved = dict(wiring.OPENERS)
    yield
    wiring.OPENERS.clear()
    wiring.OPENERS.update(saved)


@pytest.fixture(scope="session")
def comms_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data set plus the shipped communication templates, in a SQLite file."""
    return sqlite_demo_file(
        sqlite_template, tmp_path_factory.mktemp("comms-demo") / "demo.db", fill_demo_with_templates
    )


@pytest.fixture
def db_path(comms_template: Path, tmp_path: Path) -> Path:
    return private_copy(comms_template, tmp_path)


@pytest.fixture(scope="session")
def pg_comms_template() -> Iterator[str]:
    """The same data in a PostgreSQL template database."""
    with pg_template("cc_comms", fill_demo_with_templates) as name:
        yield name


@pytest.fixture(params=BACKENDS)
def comms_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A private copy of the demo database with templates, on each backend."""
    with backend_engine(
        request.param,
        lambda: request.getfixturevalue("db_path"),
        lambda: request.getfixturevalue("pg_comms_template"),
    ) as engine:
        yield engine


@pytest.fixture
def comms_settings(settings: Settings) -> Settings:
    """The test configuration (a test may change it before it builds the app)."""
    return settings


@pytest.fixture
def make_app(comms_engine: Engine, comms_settings: Settings) -> Callable[..., CommCentreApp]:
    """The console for an agent of the demo data (default: maria)."""
    return app_builder(comms_engine, comms_settings)


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let workers finish and their results reach the screen (the delivery worker excepted)."""
    await settle_workers(pilot, rounds)


async def load(pilot: Pilot[Any], contact_id: int) -> None:
    """Load a customer into the console, as a search would."""
    pilot.app.load_customer(contact_id)
    await settle(pilot)


CUSTOMER = 4
"""Siobhán O'Brien: one email, two phones, six bills."""
NO_BILLS = 3
"""Klaus Müller: no bills."""


def form_of(app: Any) -> Any:
    """The communication form on top (fails clearly when something else is)."""
    from commcentre_tui.screens.comms.form import CommunicationScreen

    assert isinstance(app.screen, CommunicationScreen), f"on top: {type(app.screen).__name__}"
    return app.screen


async def form_ready(pilot: Pilot[Any]) -> None:
    """Until the communication form on top has loaded and given its first field the focus (it
    builds its fields after a load; a value set before that would be taken as the initial one)."""
    from tests.console.conftest import settle_until

    await settle_until(
        pilot,
        lambda app: not getattr(app.screen, "holding_keys", True),
        "the communication form to be ready",
    )


async def choose(pilot: Pilot[Any], name: str, value: str) -> None:
    """Choose ``value`` in the form's ``name`` pick list."""
    from textual.widgets import Select

    await form_ready(pilot)
    form_of(pilot.app).query_one(f"#field-{name}", Select).value = value
    await settle(pilot)


async def type_into(pilot: Pilot[Any], name: str, text: str) -> None:
    """Click into the form's ``name`` field and type ``text`` key by key."""
    await form_ready(pilot)
    form_of(pilot.app).query_one(f"#field-{name}").focus()
    await pilot.pause()
    await pilot.press(*("space" if ch == " " else ch for ch in text))
    await settle(pilot)


async def fill(pilot: Pilot[Any], name: str, text: str) -> None:
    """Put ``text`` into the form's ``name`` field at once (as a paste would)."""
    from textual.widgets import TextArea

    await form_ready(pilot)
    widget = form_of(pilot.app).query_one(f"#field-{name}")
    if isinstance(widget, TextArea):
        widget.text = text
    else:
        widget.value = text
    await settle(pilot)


def text_of(app: Any, selector: str) -> str:
    """The plain text a Static shows."""
    from textual.widgets import Static

    return str(app.screen.query_one(selector, Static).render())


def notifications(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def communications(engine: Engine, contact_id: int) -> list[Any]:
    """The customer's communications, newest (highest id) first."""
    from sqlalchemy import select

    from commcentre_tui.models import Communication
    from commcentre_tui.repo.db import reading

    with reading(engine) as session:
        return list(
            session.execute(
                select(Communication)
                .where(Communication.contact_id == contact_id)
                .order_by(Communication.id.desc())
            ).scalars()
        )


def queue_entries(engine: Engine) -> dict[int, str]:
    """Communication id → queue status."""
    from sqlalchemy import select

    from commcentre_tui.models import CommunicationQueue
    from commcentre_tui.repo.db import reading

    with reading(engine) as session:
        rows = session.execute(
            select(CommunicationQueue.communication_id, CommunicationQueue.status)
        ).all()
    return {cid: status for cid, status in rows}
