"""The Reports screen from the palette at 80×24: the supervisor chooses the report, the range
and the grouping with keys; the chart and the table show the figures `report` computes over the
same rows; a bad date is one sentence and the last report stays; an agent is told it is for
supervisors."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine
from textual.widgets import Input

from commcentre_tui.config import load_settings
from commcentre_tui.repo.reports import report
from commcentre_tui.screens.reports import ReportsScreen, open_reports
from tests.conftest import TEST_CONFIG
from tests.console_cti.conftest import notes
from tests.console_support import console_app, today


async def until(pilot, predicate, timeout: float = 30.0) -> None:
    """Wait (on the app's own loop) until ``predicate()`` holds; ``timeout`` is a safety net."""

    async def loop() -> None:
        while not predicate():
            await pilot.pause()

    await asyncio.wait_for(loop(), timeout)


def _app(engine: Engine, agent: str):
    return console_app(engine, load_settings(TEST_CONFIG), agent, today=today)


async def _palette(pilot, words: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.press(*words)
    await pilot.pause()
    await pilot.press("enter")


def _shown(screen: ReportsScreen, kind: str, by: str | None) -> bool:
    result = screen.result
    return result is not None and result.kind == kind and (by is None or result.columns[0] == by)


async def test_reports_from_the_palette_chart_and_table(demo_engine: Engine) -> None:
    app = _app(demo_engine, "george")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.console_screen.panels_ready.wait()
        await _palette(pilot, "Reports")
        await until(pilot, lambda: isinstance(app.screen, ReportsScreen))
        screen: ReportsScreen = app.screen
        await until(pilot, lambda: _shown(screen, "calls", "day"))

        # the range: from ten months back to today (typed, Enter takes it)
        today = app.gateway.today()  # the demo's
        first = (today - timedelta(days=300)).replace(day=1)
        await pilot.press("tab")  # report → from
        assert app.focused is screen.query_one("#report-from", Input)
        await pilot.press("ctrl+a", "ctrl+k", *str(first), "enter")
        await until(pilot, lambda: screen.result.rows[0][0] < str(today.replace(day=1)))

        # the report: Communications (the list opens with Enter, arrows choose)
        await pilot.press("shift+tab", "enter", *["down"] * 3, "enter")
        await until(pilot, lambda: _shown(screen, "communications", "day"))
        # the grouping: by unit
        await pilot.press("tab", "tab", "tab", "enter", *["down"] * 3, "enter")  # day → unit
        await until(pilot, lambda: _shown(screen, "communications", "unit"))
        expected = report(demo_engine, "communications", first, today, "unit")
        assert screen.result.rows == expected.rows and expected.rows
        assert screen.table_rows() == [
            tuple("—" if v is None else str(v) for v in row) for row in expected.rows
        ]
        per_unit: dict[str, int] = {}
        for row in expected.rows:
            per_unit[row[0]] = per_unit.get(row[0], 0) + row[-1]
        top_unit, top = max(per_unit.items(), key=lambda item: item[1])
        bar = next(line for line in screen.chart_text().splitlines() if line.startswith(top_unit))
        assert bar.rstrip().endswith(f"█ {top}")  # the longest bar, its number beside it

        # a bad date: one sentence beside the fields, the report stays
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k", *"2026-13-01", "enter")  # by → to
        error = screen.query_one("#report-error")
        await until(pilot, lambda: "To must be a date" in str(error.render()))
        assert str(error.render()) == "To must be a date like 2026-06-15, not '2026-13-01'."
        assert screen.result.rows == expected.rows
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.console_screen)


async def test_an_agent_is_told_reports_are_for_supervisors(demo_engine: Engine) -> None:
    app = _app(demo_engine, "maria")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.console_screen.panels_ready.wait()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Reports" not in titles
        open_reports(app)
        await until(pilot, lambda: any("Reports are for" in n for n in notes(app)))
        assert app.screen is app.console_screen
        # (A task reminder may arrive at any moment, so the sentence is found, not taken last.)
        said = [n for n in notes(app) if "Reports are for" in n]
        assert len(said) == 1 and said[0].endswith(
            "Reports are for supervisors; your role (agent) is not a supervisor role."
        )
