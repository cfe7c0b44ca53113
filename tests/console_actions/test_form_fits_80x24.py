"""Every action form fits 80×24: its Save and Cancel buttons are on screen and the field the
cursor starts in is visible, however many fields the form has (the fields scroll)."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from tests.console_actions.conftest import load_customer, make_app, settle

FORMS = (
    "Log Person Information",
    "Schedule an Activity",
    "Become Subscriber",
    "Post a Payment",
    "Raise a Service Request",
    "Plan a Job",
)


@pytest.mark.parametrize("demo", ["sqlite"], indirect=True)  # a layout: one backend is enough
async def test_long_forms_keep_their_buttons_and_cursor_on_screen(demo) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await load_customer(pilot, 4)
        for name in FORMS:
            await pilot.press("f10")
            await settle(pilot)
            await pilot.press(*name.lower())
            await pilot.press("enter")
            await settle(pilot)
            form = app.screen
            assert type(form).__name__ == "ActionFormScreen", name
            assert name in str(form.query_one("#title").render())
            for button in form.query(Button):
                assert button.region.bottom <= 24, f"{name}: {button.label} off screen"
            fields = form.query_one("#fields")
            focused = app.focused
            assert focused is not None and fields.region.contains_region(focused.region), name
            await pilot.press("escape")
            await settle(pilot)
            if app.screen is not app.console_screen:  # "discard what you typed?" (nothing typed)
                await pilot.press("y")
                await settle(pilot)
