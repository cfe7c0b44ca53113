"""The Wallboard in the console at 80×24: a call played through a loopback AMI server moves the
supervisor's own row through ringing, on a call and wrap-up; completing it with a disposition
moves the dispositions bar; queue events show as calls waiting. An agent cannot open it."""

from __future__ import annotations

from sqlalchemy import Engine
from textual.widgets import Select

from commcentre_tui.controllers.cti.waiting import until
from commcentre_tui.screens.cti.wrapup import WrapUpScreen
from commcentre_tui.screens.wallboard import WallboardScreen
from tests.console_cti.conftest import contact, national, notes, start_cti


def row(board: WallboardScreen, name: str) -> str:
    """The agent's line on the Wallboard."""
    return next(
        (line for line in board.panel_text("agents").splitlines() if line.startswith(name)), ""
    )


def waiting(board: WallboardScreen, queue: str) -> str:
    """The calls waiting in ``queue`` as shown."""
    line = next(
        (line for line in board.panel_text("queue").splitlines() if line.startswith(queue)), ""
    )
    return line.split()[1] if line else ""


async def test_a_call_moves_the_agent_and_the_dispositions_bar(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    caller = contact(demo_engine, 8)
    app = make_cti_app("george", agent_extension="1002", require_disposition=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_cti(pilot)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        board: WallboardScreen = app.screen
        george = "George Antoniou"
        await board.shows(lambda: "available" in row(board, george))
        assert "signed out" in row(board, "Maria Georgiou")
        assert "no completed calls today" in board.panel_text("today")
        assert board.panel_text("queue") == "No queue reported by the telephone system."

        await pbx.ring("1002", national(caller["e164"]), 10)
        await board.shows(lambda: f"ringing: {caller['name']}"[:26] in row(board, george))
        await pbx.answer("1002", 10)
        await board.shows(lambda: "on a call with" in row(board, george))
        await pbx.event("QueueCallerJoin", Queue="support", Uniqueid="q-1", CallerIDNum="99000001")
        await board.shows(lambda: waiting(board, "support") == "1")
        await pbx.hangup("1002", 10)
        await board.shows(lambda: "wrap-up (" in row(board, george))
        assert "left)" in row(board, george)
        await pbx.event("QueueCallerLeave", Queue="support", Uniqueid="q-1")
        await board.shows(lambda: waiting(board, "support") == "0")

        await until(pilot, lambda: any(n.startswith("Call ended") for n in notes(app)))
        await pilot.press("f12")  # the after-call work, over the Wallboard
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        app.screen.query_one("#field-disposition_reason", Select).focus()
        await pilot.press("enter", "down", "down", "enter")  # Technical
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is board)
        await board.shows(lambda: "Technical" in board.panel_text("today"))
        bars = [
            line for line in board.panel_text("today").splitlines() if line.startswith("Technical")
        ]
        assert bars and bars[0].endswith("█ 1")
        assert "handled 1" in board.panel_text("today")
        await board.shows(lambda: "available" in row(board, george))
        assert row(board, george).split()[-3] == "1"  # one handled call


async def test_an_agent_cannot_open_the_wallboard(make_cti_app, demo_engine: Engine) -> None:
    app = make_cti_app("maria")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_cti(pilot)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: any("Wallboard" in n for n in notes(app)))
        assert app.screen is app.console_screen
        said = [n for n in notes(app) if "Wallboard" in n]  # (a reminder may come in between)
        assert len(said) == 1 and said[0].endswith(
            "The Wallboard is for supervisors; your role (agent) is not a supervisor role."
        )
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Wallboard" not in titles and "Set away" in titles


async def test_an_abandoned_call_counts_once_on_the_wallboard_and_in_the_report(
    make_cti_app, pbx, demo_engine: Engine
) -> None:
    from commcentre_tui.models.types import utcnow
    from commcentre_tui.repo.reports import report

    app = make_cti_app("george", agent_extension="1002")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_cti(pilot)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        board: WallboardScreen = app.screen
        await board.shows(lambda: "abandoned 0" in board.panel_text("today"))
        await pbx.event("QueueCallerJoin", Queue="support", Uniqueid="q-9", CallerIDNum="99000009")
        await board.shows(lambda: waiting(board, "support") == "1")
        for _ in range(2):  # a second console (or a resend) repeats it: still one call
            await pbx.event(
                "QueueCallerAbandon", Queue="support", Uniqueid="q-9", HoldTime="48", Position="1"
            )
        await board.shows(
            lambda: "abandoned 1" in board.panel_text("today") and waiting(board, "support") == "0"
        )
    today = utcnow().date()
    calls = report(demo_engine, "calls", today, today, "agent").as_dicts()
    assert [(r["agent"], r["abandoned"]) for r in calls if r["abandoned"]] == [("(no agent)", 1)]
