"""The communication form in the console: live SMS count, templates, tag auto-complete and
errors, the transactional outbox on Save, and asking before discarding typed text."""

from __future__ import annotations

from textual.widgets import TextArea

from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.comms.register import register_openers
from tests.console_comms.conftest import (
    CUSTOMER,
    SIZE,
    choose,
    communications,
    fill,
    form_of,
    load,
    notifications,
    queue_entries,
    settle,
    text_of,
    type_into,
)


async def open_form(pilot, contact_id: int = CUSTOMER, extra: dict | None = None) -> None:
    register_openers()
    await load(pilot, contact_id)
    run_action(pilot.app, "Create a Communication", extra)
    await settle(pilot)
    form_of(pilot.app)


async def test_sms_shows_a_live_count_with_segments(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await choose(pilot, "media", "sms")
        form = form_of(app)
        assert form.values()["recipient"].startswith("+357")  # the customer's phone, not the email
        await type_into(pilot, "content", "Hello")
        assert text_of(app, "#count") == "5/160 · 1 SMS"
        form.query_one("#field-content", TextArea).insert("x" * 160)
        await settle(pilot)
        assert text_of(app, "#count") == "165/160 · 2 SMS"
        assert form.query_one("#count").has_class("-over")
        await choose(pilot, "media", "email")
        assert text_of(app, "#count") == "165 characters"


async def test_choosing_a_template_renders_it_for_the_customer(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        form = form_of(app)
        options = {label: value for value, label, _media in form.setup.templates}
        await choose(pilot, "template", options["Account balance (Email)"])
        values = form.values()
        assert values["subject"].startswith("Your account A0")
        assert "Dear Siobhán O'Brien," in values["content"]
        assert "{{" not in values["subject"] + values["content"]
        assert "Dear Siobhán O'Brien," in text_of(app, "#preview")
        # An overdue reminder is about the customer's overdue bill: she has none, so it is
        # refused beside the field (never built from another bill), and nothing is filled in.
        await choose(pilot, "template", options["Overdue reminder (SMS)"])
        assert "This customer has no overdue bill" in text_of(app, "#error-template")
        assert form.values()["media"] == "email"
        # Related to one of her bills, the reminder is about that bill: SMS, to her phone.
        bill_value, bill_label = next(c for c in form.setup.related if c[0].startswith("bill:"))
        await choose(pilot, "related", bill_value)
        await choose(pilot, "template", options["Account balance (Email)"])
        await choose(pilot, "template", options["Overdue reminder (SMS)"])
        assert form.values()["media"] == "sms" and form.values()["recipient"].startswith("+357")
        number = next(word for word in bill_label.split() if word[:1] == "B" and word[1:].isdigit())
        assert number in form.values()["content"]  # that bill's number
        assert "SMS" in text_of(app, "#count")


async def test_typing_two_braces_offers_tags(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await type_into(pilot, "content", "Dear {{ contact.fi")
        popup = form_of(app).query_one("#tags-content")
        assert popup.is_open and popup.completions[0].tag == "contact.first_name"
        await pilot.press("enter")
        await settle(pilot)
        assert form_of(app).values()["content"] == "Dear {{ contact.first_name }}"
        assert not popup.is_open
        assert text_of(app, "#preview").strip() == "Dear Siobhán"
        await type_into(pilot, "subject", "{{bill.nu")
        assert form_of(app).query_one("#tags-subject").is_open
        await pilot.press("tab")
        await settle(pilot)
        assert form_of(app).values()["subject"] == "{{ bill.number }}"


async def test_an_unknown_tag_is_a_sentence_and_nothing_is_queued(make_app, comms_engine) -> None:
    app = make_app()
    before = len(communications(comms_engine, CUSTOMER))
    queued = queue_entries(comms_engine)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await fill(pilot, "subject", "Hi")
        await fill(pilot, "content", "Dear {{ contact.nickname }}")
        assert text_of(app, "#preview").startswith("✗ Unknown tag {{ contact.nickname }}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = form_of(app)  # still open, with one sentence beside the content
        error = text_of(app, "#error-content")
        assert error.startswith("✗ Unknown tag {{ contact.nickname }}") and error.endswith(
            "tag reference."
        )
        assert form.query_one("#field-content").has_focus
    assert len(communications(comms_engine, CUSTOMER)) == before
    assert queue_entries(comms_engine) == queued


async def test_saving_an_outgoing_email_queues_it_with_its_record(make_app, comms_engine) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await choose(pilot, "category", "Billing")
        await fill(pilot, "subject", "Your {{ bill.number }}")
        await fill(pilot, "content", "Hi {{ contact.first_name }}")
        recipient = form_of(app).values()["recipient"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
        assert f"Email to {recipient} queued for delivery." in notifications(app)
    comm = communications(comms_engine, CUSTOMER)[0]
    assert (comm.state, comm.delivery, comm.recipient, comm.category) == (
        "completed",
        "queued",
        recipient,
        "Billing",
    )
    assert comm.subject.startswith("Your B") and comm.content == "Hi Siobhán"
    assert queue_entries(comms_engine)[comm.id] == "queued"


async def test_a_record_in_the_context_is_the_related_entity(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        subscription = next(
            v for v, _ in form_of(app).setup.related if v.startswith("subscription:")
        )
        await pilot.press("escape")
        await settle(pilot)
        run_action(
            app, "Create a Communication", {"subscription_id": int(subscription.split(":")[1])}
        )
        await settle(pilot)
        assert form_of(app).values()["related"] == subscription


async def test_inline_errors_beside_fields(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await pilot.press("ctrl+s")  # an outgoing email needs a subject and a text
        await settle(pilot)
        assert text_of(app, "#error-subject") == "✗ An email needs a subject."
        assert text_of(app, "#error-content").startswith("✗ Write the email text")
        assert form_of(app).query_one("#field-subject").has_focus


async def test_escape_asks_before_discarding_typed_text(make_app, comms_engine) -> None:
    app = make_app()
    before = len(communications(comms_engine, CUSTOMER))
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(pilot)
        assert app.screen is app.console_screen
        run_action(app, "Create a Communication")
        await settle(pilot)
        await type_into(pilot, "subject", "Draft")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Discard what you typed?" in text_of(app, "#question")
        await pilot.press("n")
        await settle(pilot)
        assert form_of(app).values()["subject"] == "Draft"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is app.console_screen
    assert len(communications(comms_engine, CUSTOMER)) == before
