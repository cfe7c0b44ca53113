"""Add More Information chosen in the Action Panel (F10) opens the customer's contact details."""

from __future__ import annotations

from typing import Any

from commcentre_tui.services import contacts
from tests.console_actions.conftest import load_customer, make_app, notices, settle


async def test_the_panel_opens_add_more_information_for_the_loaded_customer(demo: Any) -> None:
    from commcentre_tui.screens.actions.panel import ActionPanel
    from commcentre_tui.screens.contact_info import ContactInfoScreen

    person = contacts.log_person(demo.ctx, {"first_name": "Ines", "last_name": "Info"})
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, person.contact_id)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, ActionPanel)
        await pilot.press(*"add more information", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactInfoScreen), notices(app)
