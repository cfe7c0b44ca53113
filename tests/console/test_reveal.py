"""A fast search and a customer load change the screen once: the results or the customer view
come into view together with their data, never empty first."""

from __future__ import annotations

from typing import Any

import pytest

from commcentre_tui.screens.console import CUSTOMER, RESULTS
from tests.console.conftest import settle, type_text


def _watch_views(app: Any) -> list[tuple[str, int, bool]]:
    """Each view the body switches to, with the results' row count and whether the customer
    view was populated at that moment."""
    seen: list[tuple[str, int, bool]] = []
    screen = app.screen

    def changed(current: str | None) -> None:
        seen.append(
            (str(current), screen.results.table.row_count, screen.customer_view.populated())
        )

    screen.watch(screen.body, "current", changed, init=False)
    return seen


@pytest.fixture(autouse=True)
def _loads_count_as_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """What these tests check is the fast path (data in before the loading delay runs out). A
    busy test machine must not turn a fast load into a slow one, whose view rightly comes into
    view first with a loading indicator: the delay is made generous here."""
    import commcentre_tui.support.loading as loading
    import commcentre_tui.widgets.customer_view as customer_view

    monkeypatch.setattr(customer_view, "LOADING_DELAY", 60.0)
    monkeypatch.setattr(loading, "LOADING_DELAY", 60.0)


async def test_search_results_come_into_view_with_their_rows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seen = _watch_views(app)
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.view == RESULTS
        assert seen[0][0] == RESULTS and seen[0][1] > 1  # shown with its rows
        assert app.screen.focused is app.screen.results.table


async def test_a_customer_comes_into_view_loaded(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await settle(pilot)
        seen = _watch_views(app)
        await pilot.press("enter")  # the highlighted result
        await settle(pilot)
        view = app.screen.customer_view
        assert app.screen.view == CUSTOMER
        assert seen == [(CUSTOMER, seen[0][1], True)]  # header and Dashboard already filled
        assert view.populated()
        table = view.active_tab.first_table()
        assert table is not None and app.screen.focused is table
