"""The Action Panel in the real console: open it with a key, filter, run a form, see the result."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from textual.widgets import Input, OptionList

from commcentre_tui import models as m
from commcentre_tui.app import create_app
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.panel import ActionPanel
from tests.console_actions.conftest import settle


def balance(demo: Any, account_id: int) -> Decimal:
    with reading(demo.engine) as session:
        return session.get(m.Account, account_id).balance


async def test_post_a_payment_from_the_panel_moves_the_balance_on_screen(demo: Any) -> None:
    app = create_app(settings=demo.settings, engine=demo.engine, actor=demo.ctx.actor)
    with reading(demo.engine) as session:
        account = (
            session.execute(
                select(m.Account)
                .where(m.Account.contact_id == demo.contact_id)
                .order_by(m.Account.id)
            )
            .scalars()
            .first()
        )
    before = balance(demo, account.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.load_customer(demo.contact_id, focus=True)
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, ActionPanel)
        await pilot.press(*"post a pay", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen) and form.spec.name == "Post a Payment"
        form.query_one("#field-amount", Input).value = "7.25"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
    assert balance(demo, account.id) == before - Decimal("7.25")


async def test_without_a_customer_the_panel_offers_the_seeds_four(demo: Any) -> None:
    app = create_app(settings=demo.settings, engine=demo.engine, actor=demo.ctx.actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        ids = {options.get_option_at_index(i).id for i in range(options.option_count)} - {None}
    assert ids == {
        "Log Person Information",
        "Log Company Information",
        "Create new Account",
        "Retrieve Voucher Secret Number",
    }


async def test_every_action_is_a_palette_command_once_a_customer_is_loaded(demo: Any) -> None:
    app = create_app(settings=demo.settings, engine=demo.engine, actor=demo.ctx.actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.load_customer(demo.contact_id)
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.console_screen)}
    assert {"Actions", "Pay a Bill", "Schedule an Activity", "Create a Communication"} <= titles
