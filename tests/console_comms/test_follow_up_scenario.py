"""Seed 002 "Following up on Communications", end to end in the console: an incoming phone
complaint saved as a draft, an activity scheduled, the draft reopened and completed, then Follow Up
creates a new communication linked to the first, pre-filled, with shared notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from textual.widgets import Input, Select

from commcentre_tui.models import Activity
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.comms import open_communication, register_openers
from tests.console_comms.conftest import (
    CUSTOMER,
    SIZE,
    choose,
    communications,
    form_of,
    load,
    queue_entries,
    settle,
    text_of,
    type_into,
)


async def test_following_up_on_communications(make_app, comms_engine) -> None:
    register_openers()
    app = make_app()
    before = {c.id for c in communications(comms_engine, CUSTOMER)}
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, CUSTOMER)

        # The customer calls in to complain: incoming, Phone, Technical Issue, Save as Draft.
        run_action(app, "Create a Communication")
        await settle(pilot)
        await choose(pilot, "direction", "incoming")
        await choose(pilot, "media", "phone")
        await choose(pilot, "category", "Technical Issue")
        await type_into(pilot, "subject", "Poor picture")
        await type_into(pilot, "content", "Picture freezes.")
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is app.console_screen
        (complaint,) = [c for c in communications(comms_engine, CUSTOMER) if c.id not in before]
        assert (complaint.state, complaint.direction, complaint.media, complaint.category) == (
            "draft", "incoming", "phone", "Technical Issue")
        assert complaint.completed_at is None

        # At the same time the agent schedules an activity for the technical department.
        run_action(app, "Schedule an Activity")
        await settle(pilot)
        activity_form = app.screen
        assert isinstance(activity_form, ActionFormScreen)
        activity_form.query_one("#field-type", Input).value = "Technician visit"
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        activity_form.query_one("#field-start_at", Input).value = f"{tomorrow:%Y-%m-%d} 09:00"
        units = activity_form.query_one("#field-assigned_unit", Select)
        units.value = activity_form.data.lists["units"][0][0]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
        with reading(comms_engine) as session:
            activity = session.execute(select(Activity).where(Activity.contact_id == CUSTOMER)
                                       .order_by(Activity.id.desc())).scalars().first()
        assert activity is not None and activity.type == "Technician visit"

        # Once the technician is back, the agent reopens the communication and saves it.
        open_communication(app, complaint.id)
        await settle(pilot)
        form = form_of(app)
        values = form.values()
        assert (values["direction"], values["media"], values["category"], values["subject"]) == (
            "incoming", "phone", "Technical Issue", "Poor picture")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
        completed = next(c for c in communications(comms_engine, CUSTOMER) if c.id == complaint.id)
        assert completed.state == "completed" and completed.completed_at is not None
        assert completed.delivery is None and completed.id not in queue_entries(comms_engine)

        # Follow Up: a new communication linked to the first, pre-filled; the call goes in the notes.
        run_action(app, "Follow Up", {"communication_id": complaint.id})
        await settle(pilot)
        form = form_of(app)
        values = form.values()
        assert (values["direction"], values["media"], values["category"], values["subject"]) == (
            "outgoing", "phone", "Technical Issue", "Re: Poor picture")
        assert "Follows up the incoming phone" in text_of(app, "#note")
        assert form.query_one("#field-shared_notes").has_focus
        await type_into(pilot, "shared_notes", "Picture fine now.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
        follow = communications(comms_engine, CUSTOMER)[0]
        assert follow.id != complaint.id and follow.follow_up_of_id == complaint.id
        assert (follow.state, follow.direction, follow.media, follow.category) == (
            "completed", "outgoing", "phone", "Technical Issue")
        assert follow.subject == "Re: Poor picture"
        assert follow.shared_notes == "Picture fine now."
