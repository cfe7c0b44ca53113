"""The customer on screen refreshes itself when another agent changes them: the new balance shows
without Ctrl+R, the agent's tab, focus and highlighted row stay put, and an open form is not
disturbed (it says the customer changed; the view refreshes once it closes). Both backends."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine
from textual.widgets import DataTable

from commcentre_tui.app import create_app
from commcentre_tui.config import Settings
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.payments import post_payment
from commcentre_tui.widgets.customer_header import CustomerHeader
from tests.console import data
from tests.console.conftest import settle, settle_until
from tests.security.conftest import add_agent


def header(app) -> str:
    return str(app.screen_stack[0].query_one(CustomerHeader).render())


async def test_another_agents_payment_shows_without_reload(
    engine: Engine, settings: Settings
) -> None:
    known = data.build(engine)
    maria = add_agent(engine, settings, "maria", display_name="Maria Kosta")
    eleni = add_agent(engine, settings, "eleni", role="finance", display_name="Eleni")
    app = create_app(settings=settings, engine=engine, actor=maria, today=lambda: data.NOW.date())
    app.offer_drafts_on_start = False
    async with app.run_test(size=(80, 24)) as pilot:
        await app.console_screen.panels_ready.wait()
        app.load_customer(known.contact_id, focus=True)
        await settle(pilot)
        assert "owes EUR 25.00" in header(app)
        await pilot.press("f7")  # Financials, the cursor on the second row of its table
        await settle(pilot)
        table = app.focused
        assert isinstance(table, DataTable) and table.row_count >= 2
        await pilot.press("down")
        row = table.cursor_row
        await settle_until(pilot, lambda a: a.screen.query("#change-watcher"), "the watcher")

        # Eleni, at another console, posts a payment of 12.50 on the same account.
        post_payment(
            ServiceContext(engine, settings, eleni),
            {"account_id": known.account_id, "amount": Decimal("12.50")},
        )
        await settle_until(
            pilot, lambda a: "owes EUR 12.50" in header(a), "the new balance on screen"
        )
        assert app.focused is table and table.cursor_row == row
        assert app.console_screen.customer_view.tabs.active == "financials"

        # With a form open, the view behind it waits; the form says why.
        await pilot.press("ctrl+o")  # Add More Information
        await settle(pilot)
        form = app.screen
        assert form is not app.console_screen
        post_payment(
            ServiceContext(engine, settings, eleni),
            {"account_id": known.account_id, "amount": Decimal("7.50")},
        )
        await settle_until(
            pilot,
            lambda a: a.screen.query("#customer-changed"),
            "the changed-customer line on the form",
        )
        assert app.screen is form and "owes EUR 12.50" in header(app)
        await pilot.press("escape")
        await settle_until(
            pilot, lambda a: "owes EUR 5.00" in header(a), "the refresh after the form"
        )
