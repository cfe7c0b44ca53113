"""Incoming emails and SMS in the console at 80×24: the supervisors' Unmatched incoming list
(attach one to the loaded customer, or log its sender as a new person), the owner's My Work,
and a kept notification when one arrives for the customer on screen. The messages are recorded
as the inbound poller records them (``repo.inbound_record.record_batch``); both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from textual.widgets import Input, OptionList

from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.models import Communication, ContactEmail
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.inbound_record import record_batch
from commcentre_tui.repo.inbound_types import Incoming, Routing
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.my_work import MyWorkScreen
from commcentre_tui.screens.notifications import kept_notifications
from commcentre_tui.screens.unmatched import UnmatchedScreen
from tests.console.conftest import settle, settle_until, table_rows, type_text

SIZE = (80, 24)
ROUTING = Routing(domain="commcentre.test")


def receive(engine: Engine, sender: str, subject: str, *, name: str = "", body: str = "") -> int:
    """An email arrives (as the poller records it); its communication id."""
    (done,) = record_batch(
        engine,
        [
            Incoming(
                channel="email",
                sender=sender,
                sender_name=name,
                subject=subject,
                content=body or f"About: {subject}",
                message_id=f"<{abs(hash(subject))}@example.net>",
            )
        ],
        ROUTING,
    )
    assert done.communication_id is not None
    return done.communication_id


def contact_of(engine: Engine, communication_id: int) -> int | None:
    with reading(engine) as session:
        return session.get(Communication, communication_id).contact_id


def customer_with_email(engine: Engine) -> tuple[int, str]:
    with reading(engine) as session:
        row = session.execute(
            select(ContactEmail.contact_id, ContactEmail.address).order_by(ContactEmail.id).limit(1)
        ).one()
    return row.contact_id, row.address


def palette_titles(app: Any) -> list[str]:
    lists = app.screen.query(OptionList)
    if not lists:
        return []
    found = lists.first()
    return [str(found.get_option_at_index(i).prompt).strip() for i in range(found.option_count)]


async def open_unmatched(pilot: Any) -> UnmatchedScreen:
    """Ctrl+P, "Unmatched", Enter."""
    await pilot.press("ctrl+p")
    await type_text(pilot, "Unmatched")
    await settle_until(
        pilot,
        lambda a: any("Unmatched incoming" in t for t in palette_titles(a)),
        "the Unmatched incoming command",
    )
    await pilot.press("enter")
    await settle_until(
        pilot,
        lambda a: isinstance(a.screen, UnmatchedScreen) and a.screen.rows,
        "the unmatched list",
    )
    return pilot.app.screen


async def test_a_supervisor_attaches_an_unknown_senders_email_to_the_loaded_customer(
    make_app, demo_engine: Engine
) -> None:
    comm_id = receive(
        demo_engine,
        "stranger@example.net",
        "Broken router",
        name="Nikos Stranger",
        body="It blinks red since Monday.",
    )
    contact_id, _ = customer_with_email(demo_engine)
    app = make_app("george")
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        app.load_customer(contact_id)
        await settle(pilot)
        who = app.customer_label
        screen = await open_unmatched(pilot)
        assert table_rows(screen.table)[0][1:] == [
            "Email",
            "Nikos Stranger <stranger@example.net>",
            "Broken router",
        ]
        assert "It blinks red since Monday." in str(screen.query_one("#unmatched-body").render())
        await pilot.press("enter")
        await settle_until(pilot, lambda a: isinstance(a.screen, ConfirmScreen), "the question")
        assert (
            app.screen.question
            == f"Attach the Email from Nikos Stranger <stranger@example.net> to {who}?"
        )
        await pilot.press("y")
        await settle_until(
            pilot,
            lambda a: contact_of(demo_engine, comm_id) == contact_id,
            "the email to be attached",
        )
        await settle_until(
            pilot,
            lambda a: (
                isinstance(a.screen, UnmatchedScreen)
                and not a.screen.rows
                and "No unmatched" in " ".join(" ".join(r) for r in table_rows(a.screen.table))
            ),
            "the list to say none are left",
        )
        assert any(f"Attached to {who}" in str(n.message) for n in app._notifications)
        await pilot.press("escape")
        await pilot.press("f11")  # it now waits in the attaching supervisor's My Work
        await settle_until(
            pilot,
            lambda a: (
                isinstance(a.screen, MyWorkScreen)
                and any("Broken router" in " ".join(r) for r in table_rows(a.screen.table))
            ),
            "the attached email in My Work",
        )


async def test_the_sender_of_an_unmatched_email_is_logged_as_a_person_prefilled(
    make_app, demo_engine: Engine
) -> None:
    receive(demo_engine, "anna.new@example.org", "New here", name="Anna Neophytou")
    app = make_app("george")
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        await settle(pilot)
        await open_unmatched(pilot)
        await pilot.press("l")
        await settle_until(pilot, lambda a: isinstance(a.screen, ActionFormScreen), "the form")
        form = app.screen
        values = {
            name: form.query_one(f"#field-{name}", Input).value
            for name in ("first_name", "last_name", "email")
        }
        assert values == {
            "first_name": "Anna",
            "last_name": "Neophytou",
            "email": "anna.new@example.org",
        }


async def test_an_agent_has_no_unmatched_list(make_app) -> None:
    app = make_app("maria")
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Unmatched incoming" not in titles and "My Work" in titles


async def test_an_email_arriving_for_the_customer_on_screen_is_a_kept_notification(
    make_app, demo_engine: Engine
) -> None:
    contact_id, address = customer_with_email(demo_engine)
    app = make_app("maria")
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        app.load_customer(contact_id)
        await settle_until(pilot, lambda a: contact_id in a.gateway.shown_versions, "the customer")
        watcher = app.console_screen.query_one("#change-watcher")
        await settle_until(
            pilot,
            lambda a: contact_id in watcher._newest_incoming,
            "the watcher to know the customer's emails",
        )
        receive(demo_engine, address.upper(), "Where is my refund?")  # matched however it is cased
        await settle_until(
            pilot,
            lambda a: any(
                k.title == "Email received" for k in kept_notifications(a).newest_first()
            ),
            "the notification",
        )
        (kept,) = [k for k in kept_notifications(app).newest_first() if k.title == "Email received"]
        assert kept.message.startswith("From ") and kept.message.endswith(": Where is my refund?")


async def test_a_received_email_shows_in_customer_care_with_how_it_arrived_and_its_attachments(
    make_app, demo_engine: Engine
) -> None:
    from commcentre_tui.repo.inbound_types import StoredAttachment
    from commcentre_tui.screens.detail import DetailScreen
    from tests.console_comms.by_keys import cursor_to, pick, press, tab_to

    contact_id, address = customer_with_email(demo_engine)
    (done,) = record_batch(
        demo_engine,
        [
            Incoming(
                channel="email",
                sender=address,
                sender_name="The Customer",
                subject="Invoice attached",
                content="Please see the invoice.",
                message_id="<att-1@example.net>",
                attachments=[
                    StoredAttachment(
                        "invoice.pdf", "application/pdf", 48213, "ab" * 32, "ab/abab.pdf"
                    ),
                    StoredAttachment(
                        "video.mp4", "video/mp4", 20_000_000, note="over the 10 MB cap: not kept"
                    ),
                ],
            )
        ],
        ROUTING,
    )
    app = make_app("maria")
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        app.load_customer(contact_id)
        await settle(pilot)
        await press(pilot, "f8")
        care = app.console_screen.customer_view.tab("care")
        await tab_to(pilot, "care-type", back=True)
        await pick(pilot, "Communications")
        await tab_to(pilot, "comms-table")
        await cursor_to(pilot, care.query_one("#comms-table"), done.communication_id)
        await press(pilot, "v")
        await settle_until(
            pilot,
            lambda a: isinstance(a.screen, DetailScreen) and a.screen.detail is not None,
            "the communication's detail",
        )
        sections = {s.title: s.rows for s in app.screen.detail.sections}
        ((via, sender, matched, _note),) = sections["Received"]
        assert (via, sender, matched) == ("email", f"The Customer <{address}>", "by the sender")
        assert [r[0] for r in sections["Attachments"]] == ["invoice.pdf", "video.mp4"]
        assert [r[3] for r in sections["Attachments"]] == ["stored", "over the 10 MB cap: not kept"]
