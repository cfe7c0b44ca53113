"""Communicate Bill (seed 004), Follow Up without a selection, and reopening communications."""

from __future__ import annotations

from textual.widgets import TextArea

from commcentre_tui.controllers.comms import open_communication
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.comms.pick import PickScreen
from commcentre_tui.screens.comms.register import register_openers
from tests.console_comms.conftest import (
    CUSTOMER,
    NO_BILLS,
    SIZE,
    choose,
    communications,
    form_of,
    load,
    notifications,
    queue_entries,
    settle,
    type_into,
)


async def test_communicate_bill_queues_the_bill_notification(make_app, comms_engine) -> None:
    register_openers()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, CUSTOMER)
        run_action(app, "Communicate Bill")
        await settle(pilot)
        form = form_of(app)
        latest, label = form.setup.related[0]
        bill_number = label.split()[1]
        values = form.values()
        assert (
            values["related"] == latest
            and values["media"] == "email"
            and values["category"] == "Billing"
        )
        assert values["subject"].startswith(f"Your bill {bill_number} for ")
        assert "Dear Siobhán O'Brien," in values["content"] and "{{" not in values["content"]
        assert "@" in values["recipient"] and form.query_one("#field-recipient").has_focus
        # the agent edits the text if needed, then saves
        form.query_one("#field-content", TextArea).move_cursor((0, 0))
        await type_into(pilot, "content", "PS ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
    comm = communications(comms_engine, CUSTOMER)[0]
    assert (comm.related_type, f"bill:{comm.related_id}") == ("bill", latest)
    assert (comm.state, comm.delivery, comm.direction) == ("completed", "queued", "outgoing")
    assert comm.content.startswith("PS Dear Siobhán O'Brien,") and bill_number in comm.subject
    assert comm.template_id is not None and queue_entries(comms_engine)[comm.id] == "queued"


async def test_communicate_bill_for_the_selected_bill(make_app) -> None:
    register_openers()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, CUSTOMER)
        run_action(app, "Communicate Bill")
        await settle(pilot)
        older, label = form_of(app).setup.related[-1]
        await choose(pilot, "related", older)  # untouched text follows the chosen bill
        assert label.split()[1] in form_of(app).values()["subject"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # another bill chosen: it asks first
        await pilot.press("y")
        await settle(pilot)
        run_action(app, "Communicate Bill", {"bill_id": int(older.split(":")[1])})
        await settle(pilot)
        values = form_of(app).values()
        assert values["related"] == older and label.split()[1] in values["subject"]


async def test_communicate_bill_without_bills_says_so(make_app) -> None:
    register_openers()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, NO_BILLS)
        run_action(app, "Communicate Bill")
        await settle(pilot)
        assert app.screen is app.console_screen
        assert "This customer has no bills to communicate." in notifications(app)


async def test_follow_up_without_a_selection_asks_which(make_app, comms_engine) -> None:
    register_openers()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, CUSTOMER)
        run_action(app, "Follow Up")
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        await pilot.press("enter")
        await settle(pilot)
        form = form_of(app)
        original = form.request.communication_id
        assert form.setup.mode == "follow_up" and form.values()["subject"].startswith("Re: ")
        await pilot.press("ctrl+s")
        await settle(pilot)
    follow = communications(comms_engine, CUSTOMER)[0]
    assert follow.follow_up_of_id == original


async def test_a_draft_cannot_be_followed_up_and_a_completed_one_cannot_be_reopened(
    make_app, comms_engine
) -> None:
    from commcentre_tui.services import communications as svc
    from commcentre_tui.services.context import ServiceContext

    register_openers()
    app = make_app()
    ctx = ServiceContext(comms_engine, app.settings, app.actor)
    draft = svc.create_communication(
        ctx,
        {"contact_id": CUSTOMER, "direction": "incoming", "media": "phone", "subject": "Call"},
        draft=True,
    )
    done = svc.create_communication(
        ctx, {"contact_id": CUSTOMER, "direction": "incoming", "media": "phone", "subject": "Call"}
    )
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, CUSTOMER)
        run_action(app, "Follow Up", {"communication_id": draft.id})
        await settle(pilot)
        assert app.screen is app.console_screen
        assert "Save this communication (complete it) before following it up." in notifications(app)
        open_communication(app, done.id)
        await settle(pilot)
        assert app.screen is app.console_screen
        assert (
            "This communication is already completed; use Follow Up to add to it."
            in notifications(app)
        )


async def test_reopening_another_customers_draft_loads_that_customer_on_save(
    make_app, comms_engine
) -> None:
    from commcentre_tui.services import communications as svc
    from commcentre_tui.services.context import ServiceContext

    app = make_app()
    ctx = ServiceContext(comms_engine, app.settings, app.actor)
    draft = svc.create_communication(
        ctx,
        {"contact_id": NO_BILLS, "direction": "outgoing", "media": "letter", "subject": "Contract"},
        draft=True,
    )
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, CUSTOMER)
        open_communication(app, draft.id)
        await settle(pilot)
        assert "Klaus Müller" in form_of(app).setup.title
        await pilot.press("f2")  # Save as Draft keeps it a draft
        await settle(pilot)
        assert app.customer_id == NO_BILLS
    assert communications(comms_engine, NO_BILLS)[0].state == "draft"
