"""Issue 16 item 5 (calls), on an 80-column console: after a screen pop the cursor is in the
search bar and Ctrl+D dials from there, Dial is visible in the footer; an unknown caller closes
the customer loaded before, so the agent never talks to them over the last customer's account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from commcentre_tui.controllers.cti.waiting import until
from commcentre_tui.widgets.footer import ConsoleFooter
from commcentre_tui.widgets.search_bar import SearchBar
from tests.console_cti.conftest import contact, header_text, national, notes, start_cti, status_text

UNKNOWN = "+441632960123"


def shown_keys(app: Any) -> dict[str, Any]:
    """Footer label → region of the keys drawn in the footer now."""
    footer = app.screen.query_one(ConsoleFooter)
    return {
        key.description: key.region
        for key in footer.query(FooterKey)
        if key.display and key.region.width
    }


async def test_dial_from_the_search_bar_and_an_unknown_caller_closes_the_last_customer(
    make_cti_app,
    pbx,
    demo_engine: Engine,
) -> None:
    caller = contact(demo_engine, 23)
    app = make_cti_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_cti(pilot)
        await pbx.ring("1001", national(caller["e164"]), 10)  # the screen pop
        await until(pilot, lambda: caller["number"] in header_text(app))
        search = app.screen.query_one(SearchBar)
        assert isinstance(app.focused, Input) and search in app.focused.ancestors  # cursor stays
        await until(pilot, lambda: "Dial" in shown_keys(app))
        dial = shown_keys(app)["Dial"]
        assert dial.right <= 80 and dial.y == 23  # on screen, in the footer line
        await pilot.press("ctrl+d")  # from the search bar
        await pbx.wait_until(lambda: bool(pbx.actions_named("Originate")))
        assert pbx.actions_named("Originate")[0]["Exten"] == caller["e164"]
        await pbx.hangup("1001", 10)
        await until(pilot, lambda: any(n.startswith("Missed call") for n in notes(app)))

        await pbx.ring("1001", UNKNOWN, 20)  # nobody has this number
        await until(pilot, lambda: any(n.startswith("Unknown caller") for n in notes(app)))
        assert app.customer_id is None  # the last customer is not on screen any more
        assert caller["number"] not in header_text(app)
        assert any(caller["name"] in n and "closed" in n for n in notes(app))  # and says so
        assert f"Unknown caller: Unknown caller {UNKNOWN}. F12: Log Person Information." in notes(
            app
        )
        assert f"ringing: {UNKNOWN}" in status_text(app)
        assert isinstance(app.focused, Input) and search in app.focused.ancestors  # to search
