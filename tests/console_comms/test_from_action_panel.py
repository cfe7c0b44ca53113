"""The communication actions reached as an agent reaches them: F10, type a few letters, Enter."""

from __future__ import annotations

from typing import Any

import pytest

from commcentre_tui.screens.actions.panel import ActionPanel
from commcentre_tui.screens.comms.pick import PickScreen
from tests.console_comms.conftest import CUSTOMER, SIZE, form_of, load, settle


async def _from_panel(pilot: Any, typed: str) -> None:
    await pilot.press("f10")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ActionPanel)
    await pilot.press(*("space" if ch == " " else ch for ch in typed), "enter")
    await settle(pilot)


@pytest.mark.parametrize(
    ("action", "typed", "title"),
    [
        ("Create a Communication", "create a comm", "Create a Communication"),
        ("Communicate Bill", "communicate bill", "Communicate Bill"),
    ],
)
async def test_a_communication_form_opens_from_the_action_panel(
    make_app, action, typed, title
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, CUSTOMER)
        await _from_panel(pilot, typed)
        form = form_of(app)
        assert form.setup.title.startswith(title), action
        assert form.setup.contact_id == CUSTOMER
        if action == "Communicate Bill":
            assert form.values()["related"].startswith("bill:")
        await pilot.press("escape")  # nothing typed yet: closes without asking
        await settle(pilot)
        assert app.screen is app.console_screen


async def test_follow_up_from_the_action_panel_asks_which_communication(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, CUSTOMER)
        await _from_panel(pilot, "follow up")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("enter")
        await settle(pilot)
        form = form_of(app)
        assert form.setup.mode == "follow_up" and form.values()["subject"].startswith("Re: ")
