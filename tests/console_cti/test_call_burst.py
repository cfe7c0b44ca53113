"""Issue 18 item 3: a burst of calls on the agent's own extension cannot freeze the console.

500 ringing/hang-up pairs from unknown numbers, then one real caller whose phone keeps ringing:
the console ends with that caller popped (one pop on screen, no pick list or form on top), a
handful of notifications rather than a thousand, the missed calls counted and summed up in one
sentence, and the search bar still echoing what the agent types.
"""

from __future__ import annotations

from sqlalchemy import Engine
from textual.widgets import Input

from commcentre_tui.controllers.cti.waiting import until
from commcentre_tui.widgets.search_bar import SearchBar
from tests.console_cti.conftest import contact, header_text, national, notes, start_cti, status_text

PAIRS = 500


async def test_a_call_burst_leaves_one_pop_and_a_responsive_console(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 24)
    app = make_cti_app()
    async with app.run_test(size=(100, 30)) as pilot:
        cti = await start_cti(pilot)
        for n in range(PAIRS):
            await pbx.ring("1001", f"+44163296{n:04d}", 10 * n + 10)
            await pbx.hangup("1001", 10 * n + 10)
        await pbx.ring("1001", national(caller["e164"]), 10 * PAIRS + 10)  # still ringing
        await until(pilot, lambda: app.customer_id == caller["id"], timeout=60)
        await until(pilot, lambda: any("missed calls" in n for n in notes(app)), timeout=60)
        assert app.screen is app.console_screen  # one pop: the caller's view, nothing on top
        assert caller["number"] in header_text(app)
        assert status_text(app).startswith(f"CTI connected · ringing: {caller['name']}")
        assert len(cti.calls) == 100  # Recent Calls keeps the last 100
        assert cti.unshown >= PAIRS - 50  # counted, not popped (at most a pop per second)
        assert len(notes(app)) < 50, notes(app)  # a few sentences, not one or two per call
        summary = next(n for n in notes(app) if "missed calls" in n)
        assert (
            summary.startswith("Missed calls: ") and "Recent Calls (Ctrl+P) lists them" in summary
        )
        await pilot.press("f2", *"maria")  # the console still takes keys
        field = app.screen.query_one(SearchBar).query_one(Input)
        await until(pilot, lambda: field.value.endswith("maria"))
