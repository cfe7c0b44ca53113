"""Presence in the console (both backends): the customer header says who else has the customer
open, an edit form warns when someone else is editing the same record, and the console's own
session follows what the agent has open and goes when the console closes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui.app import CommCentreApp, create_app
from commcentre_tui.config import Settings
from commcentre_tui.models import AgentSession
from commcentre_tui.repo import presence
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.screens.contact_info import ContactInfoScreen
from commcentre_tui.widgets.customer_header import CustomerHeader
from commcentre_tui.widgets.presence import EditWarning, keeper_of
from tests.console import data
from tests.console.conftest import settle

from .conftest import add_agent

SIZE = (120, 30)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """ "since HH:MM" in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def known(engine: Engine) -> data.Known:
    return data.build(engine)


@pytest.fixture
def maria(engine: Engine, settings: Settings) -> Actor:
    return add_agent(engine, settings, "maria", display_name="Maria Kosta")


@pytest.fixture
def tom(engine: Engine, settings: Settings) -> Actor:
    return add_agent(engine, settings, "tom", display_name="Tom Petrou")


def console(engine: Engine, settings: Settings, actor: Actor) -> CommCentreApp:
    app = create_app(settings=settings, engine=engine, actor=actor, today=lambda: data.NOW.date())
    app.offer_drafts_on_start = False
    return app


def header_text(app: Any) -> str:
    return str(app.console_screen.query_one(CustomerHeader).render())


async def started(pilot: Any) -> None:
    """Wait until the console's panels (and its presence keeper) are mounted."""
    await pilot.app.console_screen.panels_ready.wait()
    await settle(pilot)


async def load(pilot: Any, contact_id: int) -> None:
    pilot.app.load_customer(contact_id)
    await settle(pilot)


def live_rows(engine: Engine, agent_id: int) -> list[AgentSession]:
    with reading(engine) as session:
        return list(
            session.execute(select(AgentSession).where(AgentSession.agent_id == agent_id)).scalars()
        )


async def test_header_says_who_else_has_the_customer_open_and_they_see_us(
    engine: Engine,
    settings: Settings,
    known: data.Known,
    maria: Actor,
    tom: Actor,
) -> None:
    toms = presence.open_session(engine, tom, contact_id=known.contact_id)
    app = console(engine, settings, maria)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await load(pilot, known.contact_id)
        shown = header_text(app)
        assert "also open: Tom Petrou (since " in shown
        assert "Eleni Kyriakou" in shown
        # Tom's console sees Maria on the same customer.
        assert [p.display_name for p in presence.who_else_has(engine, known.contact_id, toms)] == [
            "Maria Kosta"
        ]

        # Maria moves to another customer: nobody else there, and Tom no longer sees her.
        await load(pilot, known.other_contact_id)
        assert "also open" not in header_text(app)
        assert presence.who_else_has(engine, known.contact_id, toms) == []

        # Tom leaves the first customer; Maria comes back: the header says nothing.
        presence.heartbeat(engine, toms, contact_id=None)
        await load(pilot, known.contact_id)
        assert "also open" not in header_text(app)

        # Tom opens it again later: the next heartbeat (the console's timer) shows him.
        presence.heartbeat(engine, toms, contact_id=known.contact_id)
        keeper = keeper_of(app)
        assert keeper is not None
        keeper.beat()
        await settle(pilot)
        assert "also open: Tom Petrou (since " in header_text(app)
    # The console closed: its session is gone at once (not merely expiring).
    assert live_rows(engine, maria.agent_id or 0) == []
    assert presence.who_else_has(engine, known.contact_id, toms) == []


async def test_edit_form_warns_when_another_agent_edits_the_same_record(
    engine: Engine,
    settings: Settings,
    known: data.Known,
    maria: Actor,
    tom: Actor,
) -> None:
    toms = presence.open_session(engine, tom, contact_id=known.contact_id)
    presence.heartbeat(
        engine,
        toms,
        contact_id=known.contact_id,
        editing=presence.record_key("contact", known.contact_id),
    )
    app = console(engine, settings, maria)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await load(pilot, known.contact_id)
        await pilot.press("ctrl+o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactInfoScreen)
        warning = screen.query_one(EditWarning)
        assert warning.display
        assert str(warning.render()).startswith("Also editing this record: Tom Petrou (since ")
        # Tom's form sees Maria editing too.
        key = presence.record_key("contact", known.contact_id)
        assert [p.display_name for p in presence.who_else_edits(engine, key, toms)] == [
            "Maria Kosta"
        ]

        # Tom closes his form; the next beat takes the warning away.
        presence.heartbeat(engine, toms, contact_id=known.contact_id, editing=None)
        keeper = keeper_of(app)
        assert keeper is not None
        keeper.beat()
        await settle(pilot)
        assert not screen.query_one(EditWarning).display

        # Maria leaves the form: she is no longer editing it.
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ContactInfoScreen)
        assert presence.who_else_edits(engine, key, toms) == []


async def test_no_warning_when_nobody_else_edits(
    engine: Engine,
    settings: Settings,
    known: data.Known,
    maria: Actor,
    tom: Actor,
) -> None:
    presence.open_session(engine, tom, contact_id=known.contact_id)  # open, not editing
    app = console(engine, settings, maria)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await load(pilot, known.contact_id)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, ContactInfoScreen)
        assert not app.screen.query(EditWarning) or not app.screen.query_one(EditWarning).display


async def test_a_console_without_an_agent_keeps_no_presence(
    engine: Engine,
    settings: Settings,
    known: data.Known,
) -> None:
    app = console(engine, settings, Actor(agent_id=None, username="system"))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await load(pilot, known.contact_id)
        assert "Eleni Kyriakou" in header_text(app)
    with reading(engine) as session:
        assert session.execute(select(func.count()).select_from(AgentSession)).scalar_one() == 0


def set_agent(engine: Engine, agent_id: int, **values: Any) -> None:
    """What `commcentre agents set-role` / `disable` do to the row (from another process)."""
    from commcentre_tui.models import Agent
    from commcentre_tui.repo.db import transaction

    with transaction(engine) as session:
        agent = session.get(Agent, agent_id)
        for name, value in values.items():
            setattr(agent, name, value)


async def test_a_role_change_takes_effect_in_the_running_console(
    engine: Engine,
    settings: Settings,
    known: data.Known,
    maria: Actor,
) -> None:
    app = console(engine, settings, maria)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert "Audit Trail" not in {c.title for c in app.get_system_commands(app.console_screen)}
        set_agent(engine, maria.agent_id or 0, role="supervisor")
        keeper = keeper_of(app)
        assert keeper is not None
        keeper.beat()  # the heartbeat timer firing
        await settle(pilot)
        assert app.actor.role_name == "supervisor" and app.gateway.actor.role_name == "supervisor"
        assert "Your role is now supervisor; what you may do changed with it." in [
            n.message for n in app._notifications
        ]
        assert "Audit Trail" in {c.title for c in app.get_system_commands(app.console_screen)}


async def test_a_disabled_agents_console_ends_cleanly(
    engine: Engine,
    settings: Settings,
    known: data.Known,
    maria: Actor,
) -> None:
    app = console(engine, settings, maria)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await load(pilot, known.contact_id)
        assert len(live_rows(engine, maria.agent_id or 0)) == 1
        set_agent(engine, maria.agent_id or 0, active=False)
        keeper = keeper_of(app)
        assert keeper is not None
        keeper.beat()
        await settle(pilot)
    assert app.return_code == 1
    assert live_rows(engine, maria.agent_id or 0) == []
