"""An agent's unsaved communication survives a crash: autosaved while typing, offered back on
the next start (and when the form opens), removed by Save or Discard."""

from __future__ import annotations

from commcentre_tui.controllers.comms.state import FORM
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.comms.register import register_openers
from commcentre_tui.services import communications as svc
from commcentre_tui.services.context import ServiceContext
from tests.console.conftest import settle_until
from tests.console_comms.conftest import (
    CUSTOMER,
    NO_BILLS,
    SIZE,
    communications,
    fill,
    form_of,
    form_ready,
    load,
    settle,
    text_of,
    type_into,
)


def autosaved(app):
    return svc.load_form_draft(ServiceContext(app.engine, app.settings, app.actor), FORM)


async def type_and_autosave(pilot, contact_id: int = CUSTOMER) -> None:
    register_openers()
    await load(pilot, contact_id)
    run_action(pilot.app, "Create a Communication")
    await settle(pilot)
    await fill(pilot, "subject", "Unsaved")
    await type_into(pilot, "content", "Typed")
    assert form_of(pilot.app).autosave_now()
    await settle(pilot)
    assert not form_of(pilot.app).autosave_now()  # nothing new to keep


async def test_autosave_is_offered_back_after_a_restart(make_app, comms_engine) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_autosave(pilot)
        # ... and the terminal is closed without saving
    kept = autosaved(app)
    assert (
        kept is not None
        and kept.contact_id == CUSTOMER
        and kept.payload["values"]["subject"] == "Unsaved"
    )

    restarted = make_app()
    async with restarted.run_test(size=SIZE) as pilot:
        # the app offers the autosave by itself on start
        await settle_until(pilot, lambda app: isinstance(app.screen, ConfirmScreen), "the offer")
        assert isinstance(restarted.screen, ConfirmScreen)
        assert text_of(restarted, "#question").startswith(
            "Restore your unsaved communication for Siobhán O'Brien (C0000004)"
        )
        await pilot.press("y")
        await form_ready(pilot)
        form = form_of(restarted)
        assert restarted.customer_id == CUSTOMER
        assert (form.values()["subject"], form.values()["content"]) == ("Unsaved", "Typed")
        await pilot.press("escape")  # restored text counts as typed: it asks first
        await settle(pilot)
        assert isinstance(restarted.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert restarted.screen is restarted.console_screen
    assert autosaved(restarted) is None
    saved = communications(comms_engine, CUSTOMER)[0]
    assert (saved.subject, saved.content, saved.delivery) == ("Unsaved", "Typed", "queued")


async def test_declining_the_offer_discards_the_autosave(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_autosave(pilot)
    restarted = make_app()
    async with restarted.run_test(size=SIZE) as pilot:
        # the app offers the autosave by itself on start
        await settle_until(pilot, lambda app: isinstance(app.screen, ConfirmScreen), "the offer")
        await pilot.press("n")
        await settle(pilot)
        assert restarted.screen is restarted.console_screen
        assert restarted.customer_id is None
    assert autosaved(restarted) is None


async def test_opening_the_form_offers_the_autosave_in_place(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_autosave(pilot)
    restarted = make_app()
    restarted.offer_drafts_on_start = False  # this test is about the offer when the form opens
    async with restarted.run_test(size=SIZE) as pilot:
        register_openers()
        await load(pilot, CUSTOMER)
        run_action(restarted, "Create a Communication")
        await settle(pilot)
        assert isinstance(restarted.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert form_of(restarted).values()["subject"] == "Unsaved"


async def test_an_autosave_for_another_customer_reopens_there(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_autosave(pilot, NO_BILLS)
    restarted = make_app()
    restarted.offer_drafts_on_start = False  # this test is about the offer when the form opens
    async with restarted.run_test(size=SIZE) as pilot:
        register_openers()
        await load(pilot, CUSTOMER)
        run_action(restarted, "Create a Communication")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert restarted.customer_id == NO_BILLS
        assert "Klaus Müller" in form_of(restarted).setup.title
        assert form_of(restarted).values()["subject"] == "Unsaved"


async def test_discarding_the_form_removes_its_autosave(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_autosave(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is app.console_screen
    assert autosaved(app) is None
