"""A failing or slow repository call: the UI keeps taking keys, shows a loading indicator, the
error arrives as one sentence in a notification, and the app stays up."""

from __future__ import annotations

import threading

from sqlalchemy.exc import OperationalError
from textual.widgets import DataTable, Input

from commcentre_tui.errors import NotFound
from commcentre_tui.screens.console import RESULTS
from commcentre_tui.widgets.customer_header import CustomerHeader
from tests.console.conftest import settle, table_rows, type_text


def messages(app) -> list[str]:
    """The error notifications (task reminders due in the demo data are warnings, not errors)."""
    return [str(n.message) for n in app._notifications if n.severity == "error"]


async def test_a_database_error_is_a_sentence_and_the_app_stays_up(make_app) -> None:
    app = make_app()

    def broken(*args, **kwargs):
        raise OperationalError("SELECT ...", {}, Exception("server closed the connection"))

    app.gateway.search = broken
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        assert messages(app) == [
            "The database did not answer while searching; try again in a moment."
        ]
        assert "Traceback" not in "".join(messages(app))
        # The console still works: Latest Communications reads from another function.
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.query_one("#latest-table", DataTable).row_count > 0


async def test_an_unexpected_error_is_logged_not_shown(make_app) -> None:
    app = make_app()

    def buggy(contact_id):
        raise KeyError("oops")

    app.gateway.dashboard = buggy
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await type_text(pilot, "C0000001")
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        assert (
            "Something went wrong while loading the dashboard; the details are in the log."
            in messages(app)
        )
        # The header still loaded; the agent can switch to another tab.
        assert "C0000001" in str(app.screen.query_one(CustomerHeader).render())
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.query_one("#subs-table", DataTable).row_count > 0


async def test_a_customer_that_vanished_says_so(make_app) -> None:
    app = make_app()

    def gone(contact_id):
        raise NotFound(f"Customer {contact_id} no longer exists.")

    app.gateway.summary = gone
    async with app.run_test(size=(80, 24)) as pilot:
        app.load_customer(123456)
        await settle(pilot)
        assert "Customer 123456 no longer exists." in messages(app)
        assert "could not be loaded" in str(app.screen.query_one(CustomerHeader).render())


async def test_a_slow_search_keeps_the_ui_responsive_and_a_newer_search_wins(make_app) -> None:
    app = make_app()
    real = app.gateway.search
    release = threading.Event()
    started = threading.Event()

    def slow(conditions, **kwargs):
        if conditions[0].value == "slow":
            started.set()
            release.wait(10)
        return real(conditions, **kwargs)

    app.gateway.search = slow
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await type_text(pilot, "slow")
        await pilot.press("enter")
        assert started.wait(5)
        await pilot.pause(0.4)  # longer than the loading delay
        table = app.screen.query_one("#results-table", DataTable)
        assert table.busy  # the loading indicator is up (the table keeps the focus)
        # A slow search comes into view at once, saying what it is doing.
        assert app.screen.view == RESULTS
        status = str(app.screen.query_one("#results-status").render())
        assert status.startswith("Searching Any field Like “slow”")
        # Keys still work while the query runs: type a new search and run it.
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        assert app.screen.query_one("#search-bar #value", Input).value == "hadji"
        await pilot.press("enter")
        await pilot.pause(0.2)
        release.set()
        await settle(pilot)
        names = [row[0] for row in table_rows(table)]
        assert names and all("hadji" in n.lower() for n in names)  # the older result dropped
        assert not table.busy
        assert app.screen.view == RESULTS


async def test_quitting_the_moment_start_up_finishes_is_clean(make_app) -> None:
    """The services waiting for the panels must not mount into a console that is closing."""
    app = make_app()
    async with app.run_test(size=(80, 24)):
        await app.console_screen.panels_ready.wait()
        app.exit()
    assert app.return_code == 0
