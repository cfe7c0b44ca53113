"""The screen pop, driven by a fake Asterisk: what the agent sees when the phone rings."""

from __future__ import annotations

from sqlalchemy import Engine, text
from textual.widgets import Input, OptionList

from commcentre_tui.controllers.cti import attach_cti, call_commands
from commcentre_tui.controllers.cti.waiting import CONSUMER_GROUP, until
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.cti.pick import CallerPickScreen
from commcentre_tui.widgets.cti_status import CtiStatus
from tests.console.conftest import type_text
from tests.console_cti.conftest import (
    contact,
    header_text,
    national,
    notes,
    start_cti,
    status_text,
)


async def test_ringing_for_this_agent_loads_the_known_caller(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 1)
    app = make_cti_app()
    async with app.run_test(size=(100, 30)) as pilot:
        cti = await start_cti(pilot)
        assert status_text(app) == "CTI connected · ext. 1001"
        await pbx.ring("1001", national(caller["e164"]), 10)
        await until(pilot, lambda: caller["number"] in header_text(app))
        assert app.customer_id == caller["id"]
        assert caller["name"] in header_text(app) and caller["e164"] in header_text(app)
        assert f"Incoming call: {caller['e164']}" in notes(app)
        assert status_text(app) == f"CTI connected · ringing: {caller['name']}"
        assert app.screen is app.console_screen  # the console kept the screen: no modal
        assert [c.contact_id for c in cti.calls.values()] == [caller["id"]]


async def test_another_extensions_call_is_ignored(make_cti_app, pbx, demo_engine: Engine) -> None:
    other, mine = contact(demo_engine, 2), contact(demo_engine, 3)
    app = make_cti_app()
    async with app.run_test(size=(100, 30)) as pilot:
        cti = await start_cti(pilot)
        await pbx.ring("1002", national(other["e164"]), 10)
        await pbx.ring("1001", national(mine["e164"]), 20)  # events arrive in order: a barrier
        await until(pilot, lambda: app.customer_id == mine["id"])
        assert [c.number for c in cti.calls.values()] == [national(mine["e164"])]
        assert not any(other["e164"] in n for n in notes(app))


async def test_several_matches_offer_a_pick_list(make_cti_app, pbx, demo_engine: Engine) -> None:
    first, second = contact(demo_engine, 4), contact(demo_engine, 5)
    with demo_engine.begin() as conn:  # the second customer shares the first one's number
        conn.execute(
            text(
                "INSERT INTO contact_phone (contact_id, kind, number, e164, is_primary) "
                "VALUES (5, 'home', :n, :e, :p)"
            ),
            {"n": national(first["e164"]), "e": first["e164"], "p": False},
        )
    app = make_cti_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await start_cti(pilot)
        await pbx.ring("1001", national(first["e164"]), 10)
        await until(pilot, lambda: isinstance(app.screen, CallerPickScreen))
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(labels) == 2
        assert {first["number"], second["number"]} == {label.split()[-1] for label in labels}
        assert app.customer_id is None  # nothing is loaded until the agent chooses
        chosen = labels[1].split()[-1]
        await pilot.press("down", "enter")
        await until(pilot, lambda: chosen in header_text(app))
        assert app.screen is app.console_screen
        assert app.customer_id in (first["id"], second["id"])


async def test_unknown_caller_and_one_key_to_log_the_person(make_cti_app, pbx) -> None:
    app = make_cti_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await start_cti(pilot)
        await pbx.ring("1001", "+441632960123", 10)
        await until(pilot, lambda: any(n.startswith("Unknown caller") for n in notes(app)))
        assert (
            "Unknown caller: Unknown caller +441632960123. F12: Log Person Information."
            in notes(app)
        )
        assert status_text(app).endswith("F12: Log Person Information")
        assert app.customer_id is None and app.screen is app.console_screen
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, ActionFormScreen) and app.screen.fields)
        form = app.screen
        assert form.spec.name == "Log Person Information"
        assert form.data.extra["phone"] == "+441632960123"
        assert form.query_one("#field-phone", Input).value == "+441632960123"


async def test_ringing_while_a_form_is_open_does_not_steal_focus(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 6)
    app = make_cti_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await start_cti(pilot)
        run_action(app, "Log Company Information")
        await until(pilot, lambda: isinstance(app.screen, ActionFormScreen) and app.screen.fields)
        form = app.screen
        await type_text(pilot, "Acme")
        typing_in = app.focused
        assert isinstance(typing_in, Input) and typing_in.value == "Acme"
        await pbx.ring("1001", national(caller["e164"]), 10)
        await until(pilot, lambda: any(caller["name"] in n for n in notes(app)))
        assert (
            f"Incoming call: {caller['name']} ({caller['number']}) is calling from "
            f"{caller['e164']}. F12 opens the customer."
        ) in notes(app)
        assert app.screen is form and app.focused is typing_in and app.customer_id is None
        await type_text(pilot, " Ltd")
        assert typing_in.value == "Acme Ltd"  # still typing in the form
        await pilot.press("f12")  # the agent asks for the customer: loaded behind the form
        await until(pilot, lambda: caller["number"] in header_text(app))
        assert app.screen is form and app.customer_id == caller["id"]


async def test_login_failure_says_so_and_the_console_still_searches(make_cti_app, pbx) -> None:
    app = make_cti_app(secret="wrong")
    async with app.run_test(size=(100, 30)) as pilot:
        cti = await start_cti(pilot, connected=False)
        await until(pilot, lambda: cti.state.startswith("login failed"))
        assert status_text(app) == "CTI login failed: Authentication failed"
        assert any(
            n.startswith("Telephony: CTI is off: The PBX refused the manager login")
            for n in notes(app)
        )
        assert pbx.login_attempts == 1  # not retried
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await until(pilot, lambda: app.console_screen.results.table.row_count > 0)
        assert app.console_screen.view == "results"


async def test_pbx_closing_the_socket_shows_reconnecting_then_connected(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 7)
    app = make_cti_app()
    async with app.run_test(size=(100, 30)) as pilot:
        cti = await start_cti(pilot)
        mark = len(cti.states)
        await pbx.drop()
        await until(pilot, lambda: "connected" in cti.states[mark:])
        assert cti.states[mark:] == ["reconnecting", "connected"]
        assert status_text(app) == "CTI connected · ext. 1001"
        assert pbx.logins == 2
        await pbx.ring("1001", national(caller["e164"]), 10)  # calls pop again
        await until(pilot, lambda: app.customer_id == caller["id"])


async def test_cti_disabled_is_off_and_starts_nothing(make_cti_app) -> None:
    app = make_cti_app(enabled=False)
    async with app.run_test(size=(100, 30)) as pilot:
        cti = await start_cti(pilot, connected=False)
        assert cti.state == "off"
        assert not app.console_screen.query(CtiStatus)  # no status line spent on CTI when it is off
        assert attach_cti(app) is cti
        assert not [w for w in app.workers if w.group == CONSUMER_GROUP]
        assert list(call_commands(app)) == []


async def test_malformed_blocks_are_skipped_and_the_next_call_pops(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 15)
    app = make_cti_app()
    async with app.run_test(size=(100, 30)) as pilot:
        cti = await start_cti(pilot)
        await pbx.send(b"Event: Newstate\r\nno colon here\r\n\xff\xfe garbage\r\n\r\n")
        await pbx.event("Newstate", Channel="PJSIP/1001-zz", ChannelStateDesc="Ringing")  # no ids
        await pbx.ring("1001", national(caller["e164"]), 10)
        await until(pilot, lambda: app.customer_id == caller["id"])
        assert cti.state == "connected" and app.screen is app.console_screen
