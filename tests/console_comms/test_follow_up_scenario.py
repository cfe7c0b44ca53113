"""Seed 002 "Following up on Communications", end to end in the console with keys only: the
customer calls to complain (incoming, phone, Technical Issue, Save as Draft); the agent schedules
an activity for the technical department; once the activity is closed the agent opens the draft
(Enter on it in Customer Care → Communications) and presses Save, which completes it; then Follow
Up creates a new communication linked to the first with the call's outcome in the shared notes.
Every step is a key an agent presses, from the search bar on; the result is checked on the
screen and in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.models import Activity, Contact
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.panel import ActionPanel
from commcentre_tui.screens.detail import DetailScreen
from tests.console_comms.by_keys import cursor_to, pick, press, tab_to, type_text
from tests.console_comms.conftest import (
    CUSTOMER,
    communications,
    form_of,
    notifications,
    queue_entries,
    settle,
    text_of,
)

#: An agent's terminal: everything here works at 80×24.
AGENT_TERMINAL = (80, 24)


def customer_number(engine, contact_id: int) -> str:
    with reading(engine) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        return contact.customer_number


def activity_of(engine, activity_id: int) -> Activity:
    with reading(engine) as session:
        activity = session.get(Activity, activity_id)
        assert activity is not None
        return activity


async def action(pilot, name: str) -> None:
    """F10, type the action's name, Enter."""
    await press(pilot, "f10")
    assert isinstance(pilot.app.screen, ActionPanel)
    await type_text(pilot, name.lower())
    await press(pilot, "enter")


def rows(table) -> list[str]:
    return [" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_following_up_on_communications_with_keys_only(make_app, comms_engine) -> None:
    app = make_app()  # maria, an agent
    before = {c.id for c in communications(comms_engine, CUSTOMER)}
    number = customer_number(comms_engine, CUSTOMER)
    async with app.run_test(size=AGENT_TERMINAL) as pilot:
        await settle(pilot)
        await type_text(pilot, number)  # the cursor starts in the search bar
        await press(pilot, "enter")  # one match: the customer is loaded
        assert app.customer_id == CUSTOMER

        # The customer calls in to complain: incoming, Phone, Technical Issue, Save as Draft.
        await action(pilot, "Create a Communication")
        form = form_of(app)
        assert form.request.mode == "new"
        await tab_to(pilot, "field-direction")
        await pick(pilot, "Incoming")
        await tab_to(pilot, "field-media")
        await pick(pilot, "Phone")
        await tab_to(pilot, "field-category")
        await pick(pilot, "Technical Issue")
        await tab_to(pilot, "field-subject")
        await type_text(pilot, "Poor picture")
        await tab_to(pilot, "field-content")
        await type_text(pilot, "Picture freezes.")
        await press(pilot, "f2")  # Save as Draft
        assert app.screen is app.console_screen
        assert "Communication saved as draft." in notifications(app)
        (complaint,) = [c for c in communications(comms_engine, CUSTOMER) if c.id not in before]
        assert (complaint.state, complaint.direction, complaint.media, complaint.category) == (
            "draft",
            "incoming",
            "phone",
            "Technical Issue",
        )
        assert complaint.completed_at is None and complaint.agent_id == app.actor.agent_id

        # At the same time the agent schedules an activity for the technical department.
        await action(pilot, "Schedule an Activity")
        assert isinstance(app.screen, ActionFormScreen)
        await tab_to(pilot, "field-type")
        await type_text(pilot, "Technician visit")
        await tab_to(pilot, "field-start_at")
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        await type_text(pilot, f"{tomorrow:%Y-%m-%d} 09:00")
        await tab_to(pilot, "field-assigned_unit")
        await pick(pilot, "Care")  # the demo data's units are Care and Finance
        await press(pilot, "ctrl+s")
        assert app.screen is app.console_screen, notifications(app)
        with reading(comms_engine) as session:
            activity = (
                session.execute(
                    select(Activity)
                    .where(Activity.contact_id == CUSTOMER)
                    .order_by(Activity.id.desc())
                )
                .scalars()
                .first()
            )
        assert activity is not None and activity.type == "Technician visit"
        assert (activity.status, activity.assigned_unit) == ("open", "Care")

        # The technician is back: the activity is closed (Customer Care, the row, `s`).
        await press(pilot, "f8")
        care = app.console_screen.customer_view.tab("care")
        care_table = care.query_one("#care-table")
        await cursor_to(pilot, care_table, activity.id)
        await press(pilot, "s")
        status_form = app.screen
        assert (
            isinstance(status_form, ActionFormScreen)
            and status_form.spec.name == "Update Activity Status"
        )
        assert status_form.values()["status"] == "completed"
        await press(pilot, "ctrl+s")
        if isinstance(app.screen, ConfirmScreen):  # completing cannot be undone: it asks first
            await press(pilot, "y")
        assert app.screen is app.console_screen, notifications(app)
        assert activity_of(comms_engine, activity.id).status == "completed"

        # The agent goes back to the communication: Customer Care → Communications, Enter on it.
        await tab_to(pilot, "care-type", back=True)
        await pick(pilot, "Communications")
        comms_table = care.query_one("#comms-table")
        await tab_to(pilot, "comms-table")
        await cursor_to(pilot, comms_table, complaint.id)
        assert "draft" in rows(comms_table)[comms_table.cursor_row]
        await press(pilot, "enter")
        form = form_of(app)  # the communication form, editable — not the read-only view
        assert form.request.mode == "draft" and form.request.communication_id == complaint.id
        assert text_of(app, "#title").startswith("Complete a Communication")
        assert "Save completes it" in text_of(app, "#note")
        values = form.values()
        assert (values["direction"], values["media"], values["category"], values["subject"]) == (
            "incoming",
            "phone",
            "Technical Issue",
            "Poor picture",
        )
        assert values["content"] == "Picture freezes."
        assert form.query_one("#field-content").has_focus
        await press(pilot, "ctrl+s")  # Save: completes it
        assert app.screen is app.console_screen, notifications(app)
        assert "Communication saved and completed." in notifications(app)
        completed = next(c for c in communications(comms_engine, CUSTOMER) if c.id == complaint.id)
        assert completed.state == "completed" and completed.completed_at is not None
        assert completed.delivery is None and completed.id not in queue_entries(
            comms_engine
        )  # a call: logged
        await cursor_to(pilot, comms_table, complaint.id)
        assert "completed" in rows(comms_table)[comms_table.cursor_row]

        # A completed communication stays read-only: Enter now shows the record.
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailScreen)
        await press(pilot, "escape")
        assert app.screen is app.console_screen

        # Follow Up on the highlighted communication: pre-filled, the call goes in the notes.
        await action(pilot, "Follow Up")
        form = form_of(app)
        assert form.request.mode == "follow_up" and form.request.communication_id == complaint.id
        values = form.values()
        assert (values["direction"], values["media"], values["category"], values["subject"]) == (
            "outgoing",
            "phone",
            "Technical Issue",
            "Re: Poor picture",
        )
        assert "Follows up the incoming phone" in text_of(app, "#note")
        assert form.query_one("#field-shared_notes").has_focus
        await type_text(pilot, "Picture fine now.")
        await press(pilot, "ctrl+s")
        assert app.screen is app.console_screen, notifications(app)
        follow_row = rows(comms_table)[0]
        assert "Re: Poor picture" in follow_row and "completed" in follow_row

    new = [c for c in communications(comms_engine, CUSTOMER) if c.id not in before]
    assert len(new) == 2
    follow, first = new
    assert first.id == complaint.id and follow.follow_up_of_id == complaint.id
    assert (first.state, follow.state) == ("completed", "completed")
    assert (follow.direction, follow.media, follow.category, follow.subject) == (
        "outgoing",
        "phone",
        "Technical Issue",
        "Re: Poor picture",
    )
    assert follow.shared_notes == "Picture fine now."
    closed = activity_of(comms_engine, activity.id)
    assert closed.status == "completed" and closed.completed_at is not None
