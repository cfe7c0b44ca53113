"""SVG snapshots of the main screens at 80×24 and 120×40 (update: pytest --snapshot-update)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from commcentre_tui.screens.notifications import acknowledge_all
from tests.console.snapshot_steps import (
    steps,
    toasts_stay,  # noqa: F401  (the fixture, used below)
)

pytestmark = pytest.mark.usefixtures("toasts_stay")

NARROW = (80, 24)
WIDE = (120, 40)


def without_toasts(run_before):
    """``run_before``, then the transient notifications cleared (the due-task reminders of the
    demo data would cover the layout these snapshots are about)."""

    async def run(pilot) -> None:
        await run_before(pilot)
        pilot.app.clear_notifications()
        acknowledge_all(pilot.app)
        await pilot.pause()

    return run


def phone_in_focus(app) -> bool:
    """the cursor in the first phone number of Add More Information"""
    return isinstance(app.focused, Input) and app.focused.has_class("field-number")


def test_welcome(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps())


def test_results(snap_compare, make_app) -> None:
    # Names and numbers whole, emails cut with "…", the highlighted row whole under the table.
    assert snap_compare(
        make_app(), terminal_size=NARROW, run_before=without_toasts(steps(search="hadji"))
    )


def test_results_also_matched(snap_compare, make_app) -> None:
    # Two free-text columns (Email, Also matched) share the room the others leave at 80×24.
    assert snap_compare(
        make_app(),
        terminal_size=NARROW,
        run_before=without_toasts(steps("down", "down", search="A0000044")),
    )


def test_results_wide(snap_compare, make_app) -> None:
    assert snap_compare(
        make_app(), terminal_size=WIDE, run_before=without_toasts(steps(search="an"))
    )


def test_dashboard(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps(search="C0000001"))


def test_dashboard_wide(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=steps(search="C0000001"))


def test_subscriptions(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps("f6", search="C0000001"))


def test_financials(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps("f7", search="C0000001"))


def test_customer_care(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps("f8", search="C0000001"))


def test_rewards_wide(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=steps("f9", search="C0000001"))


def test_latest_communications(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps("f4"))


def test_advanced_search(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps("f3", "ctrl+n"))


def test_add_more_information(snap_compare, make_app) -> None:
    assert snap_compare(
        make_app(),
        terminal_size=NARROW,
        run_before=steps("ctrl+o", search="C0000001", ready=phone_in_focus),
    )


def test_record_view(snap_compare, make_app) -> None:
    assert snap_compare(
        make_app(), terminal_size=NARROW, run_before=steps("f6", "v", search="C0000001")
    )
