"""Keys typed while the console is busy are applied once it is ready, never dropped (issue #23
part 5): Enter pressed while slow results load loads the first result once they are shown, and
keys typed right after Esc (in one burst, as a real terminal delivers them) reach the view Esc
went back to.

The slow search is a repository call that blocks on a :class:`threading.Event` until the test
releases it: the test knows the search is still running, with no timing involved.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual import events
from textual.pilot import Pilot
from textual.widgets import Select

from commcentre_tui.screens.console import CUSTOMER, RESULTS
from commcentre_tui.screens.detail import DetailScreen
from commcentre_tui.widgets import customer_view
from commcentre_tui.widgets.customer_header import CustomerHeader
from tests.console.conftest import settle, table_rows, type_text
from tests.pty_console import KEYS, PtyConsole, until

#: Safety net for a wait on the console (never a measurement).
BUDGET = 60.0


@contextlib.asynccontextmanager
async def held_search(app: Any) -> AsyncIterator[SlowSearch]:
    """A :class:`SlowSearch`, released at the end whatever happens (a failed test does not
    leave the console's worker waiting)."""
    slow = SlowSearch(app)
    try:
        yield slow
    finally:
        slow.release()


class SlowSearch:
    """``app.gateway.search`` held until :meth:`release` (the console shows it as loading)."""

    def __init__(self, app: Any) -> None:
        self.gate = threading.Event()
        self.calls = 0
        search = app.gateway.search

        def slow(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            assert self.gate.wait(BUDGET), "the test never released the search"
            return search(*args, **kwargs)

        app.gateway.search = slow

    def release(self) -> None:
        self.gate.set()


async def wait_for(pilot: Pilot[Any], ready: Any, what: str) -> None:
    """Let the console run until ``ready(app)`` (workers may be blocked: no settling here)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUDGET
    while not ready(pilot.app):
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def burst(pilot: Pilot[Any], *keys: str) -> None:
    """Keys arriving together, as a terminal delivers what was typed quickly (one read)."""
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        char = key if len(key) == 1 else {"escape": "\x1b", "enter": "\r"}.get(key)
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await pilot.pause()


async def open_hadji(pilot: Pilot[Any]) -> None:
    """From the start: search "hadji", then Enter on the first result (its customer loads)."""
    await settle(pilot)
    await pilot.press("f2")
    await type_text(pilot, "hadji")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def header_text(app: Any) -> str:
    return str(app.screen.query_one(CustomerHeader).render())


def status_text(app: Any) -> str:
    return str(app.screen.query_one("#results-status").render())


async def test_enter_pressed_while_slow_results_load_loads_the_first_result(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot, held_search(app) as slow:
        await settle(pilot)
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await wait_for(pilot, lambda a: a.screen.view == RESULTS, "the loading results")
        assert "Searching" in status_text(app) and app.screen.results.table.busy
        await pilot.press("enter")  # the agent goes on: Enter on the first result
        await pilot.pause()
        assert app.customer_id is None and slow.calls == 1  # not run a second time
        slow.release()
        await settle(pilot)
        table = app.screen.results.table
        first = table_rows(table)[0][0].rstrip("…")
        assert app.screen.view == CUSTOMER
        assert app.customer_id == int(table.coordinate_to_cell_key((0, 0)).row_key.value)
        assert first in header_text(app)
        assert slow.calls == 1


async def test_keys_typed_while_results_load_move_in_them_once_shown(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot, held_search(app) as slow:
        await settle(pilot)
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await wait_for(pilot, lambda a: a.screen.view == RESULTS, "the loading results")
        await pilot.press("down", "down")
        search_bar = app.screen.search_bar.value_input
        assert search_bar.value == "hadji"
        slow.release()
        await settle(pilot)
        table = app.screen.results.table
        assert table.row_count > 2 and table.cursor_row == 2
        assert app.focused is table
        await pilot.press("enter")
        await settle(pilot)
        assert app.customer_id == int(table.coordinate_to_cell_key((2, 0)).row_key.value)


async def test_a_search_typed_right_after_escape_from_a_customer_lands_in_the_search_bar(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_hadji(pilot)
        assert app.screen.view == CUSTOMER
        await burst(pilot, "escape", "f2", "m", "a", "r")
        await settle(pilot)
        assert app.screen.view == RESULTS
        assert app.focused is app.screen.search_bar.value_input
        assert app.focused.value == "mar"


async def test_a_letter_typed_right_after_escape_reaches_the_results(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await type_text(pilot, "an")
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.results.table
        rows = table_rows(table)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.view == CUSTOMER
        # A letter right after Esc jumps to the next result whose name starts with it.
        letter = next(r[0][0] for r in rows[1:] if r[0][0].lower() != rows[0][0][0].lower())
        await burst(pilot, "escape", letter.lower())
        await settle(pilot)
        assert app.screen.view == RESULTS and app.focused is table
        assert table_rows(table)[table.cursor_row][0].startswith(letter)


def test_on_a_real_terminal_keys_sent_during_a_slow_search_are_applied(
    demo_engine: Engine, settings: Any, tmp_path: Path
) -> None:
    """The real console on a pty at 80×24 with its searches held (``slow_search_launcher``):
    Enter sent while the search is in flight loads the first result once it is in; then Esc,
    F2 and a new search typed in one burst land in the search bar."""
    from commcentre_tui.repo.search.api import Condition, search_contacts

    first = search_contacts(
        demo_engine,
        settings,
        [Condition("any", "like", "hadji")],
        mode="quick",
        limit=settings.search.page_size,
    ).hits[0]
    marker = tmp_path / "searches"
    url = demo_engine.url.render_as_string(hide_password=False)
    with PtyConsole(
        url,
        cols=80,
        rows=24,
        launcher="tests.console.slow_search_launcher",
        env={"HOME": str(tmp_path), "CC_TEST_SLOW_SEARCH": str(marker)},
    ) as console:
        console.wait_for("Find a customer")
        console.type("hadji")
        console.press("enter")
        until(marker.exists, what="the search in flight", console=console)
        console.wait_for("Searching")  # the results view, loading
        console.press("enter")
        # Whatever the console did with that Enter, it did not search again.
        assert marker.read_text().splitlines() == ["search"]
        os.kill(console.process.pid, signal.SIGUSR1)  # the search comes back
        console.wait_for("F5 Dashboard")  # the customer view, with the first result's header
        until(
            lambda: console.row_of(f"{first.display_name} · {first.customer_number}") == 2,
            what="the first result's customer",
            console=console,
        )
        assert marker.read_text().splitlines() == ["search"]
        console.type("\x1b" + KEYS["f2"] + "mar")
        console.press("enter")  # (the status line shows the search; a toast may hide the bar)
        console.wait_for("for Any field Like “mar”")


async def test_escape_in_an_open_dropdown_of_the_search_bar_only_closes_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f2", "shift+tab", "enter")  # open the operator's dropdown
        await pilot.pause()
        op = app.screen.query_one("#search-bar #op", Select)
        assert op.expanded
        await pilot.press("escape")
        await pilot.pause()
        assert not op.expanded and app.screen.view == RESULTS  # Esc did not go back


async def test_a_key_typed_right_after_escape_back_to_the_customer_reaches_its_tab(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_hadji(pilot)
        await pilot.press("escape")  # back to the results
        await pilot.pause()
        assert app.screen.view == RESULTS
        await burst(pilot, "escape", "v")  # back to the customer, View the highlighted record
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)


async def test_a_search_typed_while_a_customer_loads_stays_in_the_search_bar(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The customer comes into view once loaded (the fast path, however long the test waits).
    monkeypatch.setattr(customer_view, "LOADING_DELAY", BUDGET)
    app = make_app()
    gate = threading.Event()
    summary = app.gateway.summary

    def slow_summary(*args: Any, **kwargs: Any) -> Any:
        assert gate.wait(BUDGET), "the test never released the customer"
        return summary(*args, **kwargs)

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await settle(pilot)
        app.gateway.summary = slow_summary
        try:
            await pilot.press("enter")  # load the first result (held in the repository)
            await pilot.press("f2", "m", "a")  # the agent turns to the next search meanwhile
        finally:
            gate.set()
        await settle(pilot)
        await pilot.press("r")
        assert app.focused is app.screen.search_bar.value_input
        assert app.focused.value == "mar"
