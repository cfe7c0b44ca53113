"""Scenario 6: terminal edge cases — a 40×12 terminal and back, a terminal without colours, and
10,000 pasted characters. The console stays usable: it still searches, keys still work, no
exception reaches the screen, and a field's length limit holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from textual import events
from textual.widgets import DataTable, Input, TextArea

from commcentre_tui.app import CommCentreApp, create_app
from commcentre_tui.config import load_settings
from commcentre_tui.models import Communication
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.comms.form import CommunicationScreen
from commcentre_tui.screens.comms.register import register_openers
from tests.conftest import BACKENDS, TEST_CONFIG
from tests.console_support import settle_workers
from tests.reliability.demo_db import CUSTOMER, DemoDb, demo_database

PASTE = "0123456789" * 1000
"""10,000 characters, as one paste."""


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoDb]:
    yield from demo_database(request, tmp_path_factory)


@pytest.fixture(autouse=True)
def _openers_restored() -> Iterator[None]:
    """Tests register the communication openers; other tests see the registry as it was."""
    from commcentre_tui.screens.actions import wiring

    saved = dict(wiring.OPENERS)
    yield
    wiring.OPENERS.clear()
    wiring.OPENERS.update(saved)


def console(demo: DemoDb, **settings: Any) -> CommCentreApp:
    chosen = load_settings(TEST_CONFIG, **settings) if settings else demo.settings
    app = create_app(
        settings=chosen, engine=demo.engine, actor=actor_for(demo.engine, chosen, "maria")
    )
    app.offer_drafts_on_start = False
    return app


async def settle(pilot: Any) -> None:
    await settle_workers(pilot)


def errors(app: CommCentreApp) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


async def search(pilot: Any, text: str) -> DataTable:
    """Quick Search ``text`` with the keys; the results table."""
    await pilot.press("f2", *text, "enter")
    await settle(pilot)
    return pilot.app.console_screen.query_one("#results-table", DataTable)


async def test_a_tiny_terminal_and_back_keeps_the_console_usable(demo: DemoDb) -> None:
    app = console(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.resize_terminal(40, 12)
        await settle(pilot)
        table = await search(pilot, "hadji")  # searching still works at 40×12
        assert table.row_count > 0
        await pilot.press("enter")  # and loads the highlighted customer
        await settle(pilot)
        assert app.customer_id is not None
        await pilot.press("f10")  # the Action Panel opens and closes at that size
        await settle(pilot)
        assert app.screen is not app.console_screen
        await pilot.press("escape")
        await settle(pilot)
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert app.screen is app.console_screen and app.size == (120, 40)
        table = await search(pilot, "hadji")
        assert table.row_count > 0 and errors(app) == [] and app.is_running


async def test_without_colours_the_console_stays_legible_and_usable(
    demo: DemoDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = console(demo, ui={"theme": "textual-ansi"})
    assert app.theme == "textual-dark"  # the ANSI theme would draw black on black
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.no_color
        table = await search(pilot, "hadji")
        assert table.row_count > 0
        await pilot.press("enter")
        await settle(pilot)
        assert app.customer_id is not None and errors(app) == []


async def test_pasting_ten_thousand_characters_keeps_limits_and_keys(demo: DemoDb) -> None:
    app = console(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # into the search bar: a search that finds nothing, and the console carries on
        await pilot.press("f2")
        app.post_message(events.Paste(PASTE))  # as the terminal driver sends a paste
        await pilot.press("enter")
        await settle(pilot)
        assert app.console_screen.query_one("#results-table", DataTable).row_count == 0
        assert errors(app) == [] and app.is_running
        table = await search(pilot, "hadji")  # the next search works
        assert table.row_count > 0

        # into the communication form: the subject keeps its 300-character limit, the content
        # takes it all, and typing still works after the paste
        register_openers()
        app.load_customer(CUSTOMER)
        await settle(pilot)
        run_action(app, "Create a Communication")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CommunicationScreen)
        subject = form.query_one("#field-subject", Input)
        subject.focus()
        await pilot.pause()
        app.post_message(events.Paste(PASTE))
        await settle(pilot)
        # what fits is kept, and the agent is told why the rest is not there
        assert subject.value == PASTE[:300]
        assert "Only the first 300 characters were kept: this field holds 300." in [
            str(n.message) for n in app._notifications if n.severity == "warning"
        ]
        await pilot.press(*["backspace"] * 6, *"Pasted")
        assert subject.value == PASTE[:294] + "Pasted"
        form.query_one("#field-content", TextArea).focus()
        await pilot.pause()
        app.post_message(events.Paste(PASTE))
        await settle(pilot)
        assert form.query_one("#field-content", TextArea).text == PASTE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen and errors(app) == []
    with reading(demo.engine) as session:
        saved = (
            session.execute(select(Communication).where(Communication.content == PASTE))
            .scalars()
            .all()
        )
    assert [(c.contact_id, len(c.subject)) for c in saved] == [(CUSTOMER, len(subject.value))]
