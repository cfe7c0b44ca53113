"""The customer view's one-key dial (Ctrl+D): the phone shown in the header, via the PBX."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from commcentre_tui.controllers.cti.waiting import until
from tests.console_cti.conftest import contact, header_text, notes, start_cti


def footer_keys(app: Any) -> dict[str, str]:
    """Footer label → key of the bindings the footer shows now."""
    return {
        b.binding.description: key
        for key, b in app.screen.active_bindings.items()
        if b.binding.show and b.enabled
    }


async def test_the_dial_key_calls_the_phone_in_the_header(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    customer = contact(demo_engine, 21)
    app = make_cti_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start_cti(pilot)
        assert "Dial" not in footer_keys(app)  # nobody loaded yet
        app.load_customer(customer["id"], focus=True)
        await until(pilot, lambda: customer["number"] in header_text(app))
        assert footer_keys(app)["Dial"] == "ctrl+d"
        await pilot.press("ctrl+d")
        await pbx.wait_until(lambda: bool(pbx.actions_named("Originate")))
        action = pbx.actions_named("Originate")[0]
        assert (action["Channel"], action["Exten"], action["Context"]) == (
            "PJSIP/1001",
            customer["e164"],
            app.settings.cti.dial_context,
        )
        await until(pilot, lambda: any(n.startswith("Click-to-dial: Calling") for n in notes(app)))


async def test_with_cti_off_the_dial_key_says_so_and_is_not_in_the_footer(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    customer = contact(demo_engine, 22)
    app = make_cti_app(enabled=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_cti(pilot, connected=False)
        app.load_customer(customer["id"], focus=True)
        await until(pilot, lambda: customer["number"] in header_text(app))
        assert "Dial" not in footer_keys(app)
        await pilot.press("ctrl+d")
        await until(
            pilot,
            lambda: any(n.startswith("Click-to-dial: Telephony (CTI) is off") for n in notes(app)),
        )
        said = [n for n in notes(app) if n.startswith("Click-to-dial")]  # (reminders may come too)
        assert len(said) == 1 and customer["e164"] in said[0]
        assert pbx.actions_named("Originate") == []
