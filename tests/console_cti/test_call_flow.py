"""Answer, hang-up and the after-call work; click-to-dial; Recent Calls (fake Asterisk)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from textual.widgets import DataTable, OptionList, Select, Static, TextArea

from commcentre_tui.controllers.cti import call_commands
from commcentre_tui.controllers.cti.waiting import until
from commcentre_tui.models import Communication
from commcentre_tui.repo.customer_info import contact_info
from commcentre_tui.screens.cti.pick import PhonePickScreen
from commcentre_tui.screens.cti.recent import RecentCallsScreen
from commcentre_tui.screens.cti.wrapup import WrapUpScreen
from commcentre_tui.screens.notifications import kept_notifications
from tests.console.conftest import type_text
from tests.console_cti.conftest import contact, header_text, national, notes, start_cti, status_text


def communication(engine: Engine, communication_id: int) -> Communication:
    with Session(engine) as session:
        call = session.get(Communication, communication_id)
        assert call is not None
        session.expunge(call)
        return call


def error_text(app: Any, name: str) -> str:
    return str(app.screen.query_one(f"#error-{name}", Static).render())


async def choose(pilot: Any, field: str, steps: int) -> None:
    """Pick the ``steps``-th entry of a wrap-up pick list with the keyboard."""
    pilot.app.screen.query_one(f"#field-{field}", Select).focus()
    await pilot.press("enter", *(["down"] * steps), "enter")


async def answered_call(pilot: Any, pbx: Any, cti: Any, caller: dict[str, Any], n: int) -> Any:
    """Ring, answer: the call's record once its Draft is written."""
    await pbx.ring("1001", national(caller["e164"]), n)
    await until(pilot, lambda: pilot.app.customer_id == caller["id"])
    await pbx.answer("1001", n)
    await until(pilot, lambda: any(c.communication_id for c in cti.calls.values()))
    return next(iter(cti.calls.values()))


async def test_answer_starts_a_draft_and_hang_up_opens_the_wrap_up(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 8)
    app = make_cti_app()
    async with app.run_test(size=(100, 40)) as pilot:
        cti = await start_cti(pilot)
        record = await answered_call(pilot, pbx, cti, caller, 10)
        draft = communication(demo_engine, record.communication_id)
        assert (draft.contact_id, draft.media, draft.direction, draft.state) == (
            caller["id"],
            "phone",
            "incoming",
            "draft",
        )
        assert draft.recipient == caller["e164"] and draft.call_started_at is not None
        assert draft.call_duration_seconds is None
        assert status_text(app) == f"CTI connected · on call: {caller['name']}"

        await pbx.hangup("1001", 10)
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        wrap = app.screen
        assert "left" in str(wrap.query_one("#timer", Static).render())
        assert caller["name"] in str(wrap.query_one("#title", Static).render())
        assert communication(demo_engine, record.communication_id).call_duration_seconds is not None

        await choose(pilot, "disposition_reason", 2)  # Technical
        await choose(pilot, "disposition_outcome", 1)  # Resolved
        wrap.query_one("#field-notes", TextArea).focus()
        await type_text(pilot, "Router reset")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is app.console_screen)
        done = communication(demo_engine, record.communication_id)
        assert (done.state, done.disposition_reason, done.disposition_outcome) == (
            "completed",
            "Technical",
            "Resolved",
        )
        assert done.content == "Router reset" and done.call_duration_seconds is not None
        assert done.category == app.settings.communications.categories[0]
        assert (
            f"After-call work: Call with {caller['name']} completed: Technical / Resolved."
            in notes(app)
        )
        assert status_text(app) == "CTI connected · ext. 1001"


async def test_require_disposition_refuses_to_complete_without_one(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 9)
    app = make_cti_app(require_disposition=True)
    async with app.run_test(size=(100, 40)) as pilot:
        cti = await start_cti(pilot)
        record = await answered_call(pilot, pbx, cti, caller, 10)
        await pbx.hangup("1001", 10)
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "disposition reason" in error_text(app, "disposition_reason"))
        assert (
            error_text(app, "disposition_reason")
            == "✗ Choose a disposition reason before completing the call."
        )
        assert (
            error_text(app, "disposition_outcome")
            == "✗ Choose a disposition outcome before completing the call."
        )
        assert isinstance(app.screen, WrapUpScreen)
        assert communication(demo_engine, record.communication_id).state == "draft"
        await choose(pilot, "disposition_reason", 1)
        await choose(pilot, "disposition_outcome", 2)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is app.console_screen)
        done = communication(demo_engine, record.communication_id)
        assert (done.state, done.disposition_reason, done.disposition_outcome) == (
            "completed",
            "Billing",
            "Follow-up needed",
        )


async def test_wrap_up_waits_for_a_closed_form_and_later_leaves_a_draft(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 10)
    app = make_cti_app()
    async with app.run_test(size=(100, 40)) as pilot:
        cti = await start_cti(pilot)
        record = await answered_call(pilot, pbx, cti, caller, 10)
        app.console_screen.action_add_more_information()  # the agent edits the customer
        await until(pilot, lambda: app.screen is not app.console_screen)
        form = app.screen
        await pbx.hangup("1001", 10)
        await until(pilot, lambda: any(n.startswith("Call ended") for n in notes(app)))
        assert app.screen is form
        assert status_text(app).endswith("F12: after-call work")
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is form)
        assert communication(demo_engine, record.communication_id).state == "draft"


async def test_click_to_dial_calls_the_customer_and_logs_an_outgoing_call(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    customer = contact(demo_engine, 11)
    app = make_cti_app(require_disposition=False)
    async with app.run_test(size=(100, 40)) as pilot:
        cti = await start_cti(pilot)
        app.load_customer(customer["id"])
        await until(pilot, lambda: customer["number"] in header_text(app))
        phones = [p.e164 for p in contact_info(demo_engine, customer["id"]).phones]
        call_commands(app)  # the palette asks: the phones are read in a worker
        await until(pilot, lambda: list(cti.known_phones(customer["id"])) == phones)
        titles = [c.title for c in call_commands(app)]
        assert titles == ["Call customer", *(f"Call {p}" for p in phones), "Recent Calls"]
        {c.title: c for c in call_commands(app)}["Call customer"].callback()
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, PhonePickScreen)
                and app.screen.query_one(OptionList).option_count == len(phones)
            ),
        )
        await pilot.press("enter")  # the first (main) phone
        await pbx.wait_until(lambda: bool(pbx.actions_named("Originate")))
        action = pbx.actions_named("Originate")[0]
        assert (action["Channel"], action["Exten"]) == ("PJSIP/1001", customer["e164"])
        channel, uid = "PJSIP/1001-0000000a", action["ChannelId"]
        await pbx.event(
            "Newchannel", Channel=channel, ChannelStateDesc="Down", Uniqueid=uid, Linkedid=uid
        )
        await pbx.event(
            "Newstate", Channel=channel, ChannelStateDesc="Ringing", Uniqueid=uid, Linkedid=uid
        )
        await until(pilot, lambda: "calling:" in status_text(app))
        assert status_text(app) == f"CTI connected · calling: {customer['name']}"
        await pbx.event(
            "Newstate", Channel=channel, ChannelStateDesc="Up", Uniqueid=uid, Linkedid=uid
        )
        await pbx.event("BridgeEnter", Channel=channel, Uniqueid=uid, Linkedid=uid)
        await until(pilot, lambda: cti.calls[uid].communication_id is not None)
        draft = communication(demo_engine, cti.calls[uid].communication_id)
        assert (draft.contact_id, draft.direction, draft.state) == (
            customer["id"],
            "outgoing",
            "draft",
        )
        await pbx.event("Hangup", Channel=channel, Uniqueid=uid, Linkedid=uid)
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        await pilot.press("ctrl+s")  # dispositions are optional here
        await until(pilot, lambda: app.screen is app.console_screen)
        done = communication(demo_engine, cti.calls[uid].communication_id)
        assert (done.state, done.disposition_reason) == ("completed", None)
        assert done.call_duration_seconds is not None


async def test_recent_calls_lists_the_session_and_enter_loads_the_customer(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    first, second = contact(demo_engine, 12), contact(demo_engine, 13)
    app = make_cti_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start_cti(pilot)
        await pbx.ring("1001", national(first["e164"]), 10)
        await until(pilot, lambda: app.customer_id == first["id"])
        await pbx.hangup("1001", 10)  # missed: no wrap-up
        await until(pilot, lambda: any(n.startswith("Missed call") for n in notes(app)))
        # A missed call is something to act on: it stays listed (Ctrl+L) after its toast fades.
        assert "Missed call" in [k.title for k in kept_notifications(app).newest_first()]
        await pbx.ring("1001", "+441632960999", 20)
        await until(pilot, lambda: any(n.startswith("Unknown caller") for n in notes(app)))
        app.load_customer(second["id"])
        await until(pilot, lambda: second["number"] in header_text(app))
        {c.title: c for c in call_commands(app)}["Recent Calls"].callback()
        await until(pilot, lambda: isinstance(app.screen, RecentCallsScreen))
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[1:4] for r in rows] == [
            ["incoming", "+441632960999", ""],
            ["incoming", first["e164"], f"{first['name']} ({first['number']})"],
        ]
        assert rows[1][5] == "missed" and rows[0][5] == "ringing"
        await pilot.press("down", "enter")
        await until(
            pilot, lambda: app.customer_id == first["id"] and first["number"] in header_text(app)
        )
        assert app.screen is app.console_screen


async def test_an_unknown_caller_is_logged_for_the_customer_the_agent_finds(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    found = contact(demo_engine, 14)
    app = make_cti_app()
    async with app.run_test(size=(100, 40)) as pilot:
        cti = await start_cti(pilot)
        await pbx.ring("1001", "+441632960777", 10)
        await until(pilot, lambda: any(n.startswith("Unknown caller") for n in notes(app)))
        await pbx.answer("1001", 10)
        await until(pilot, lambda: "on call: +441632960777" in status_text(app))
        record = next(iter(cti.calls.values()))
        assert record.communication_id is None  # nobody to log it for yet
        app.load_customer(found["id"])  # the agent searched and found the caller
        await until(pilot, lambda: found["number"] in header_text(app))
        await pbx.hangup("1001", 10)
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        info = str(app.screen.query_one("#call-info", Static).render())
        assert f"logged as a Draft Phone communication for {found['name']}" in info
        await choose(pilot, "disposition_reason", 5)
        await choose(pilot, "disposition_outcome", 1)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is app.console_screen)
        done = communication(demo_engine, record.communication_id)
        assert (done.contact_id, done.recipient, done.state) == (
            found["id"],
            "+441632960777",
            "completed",
        )
        assert done.disposition_reason == "Other" and done.call_duration_seconds is not None
