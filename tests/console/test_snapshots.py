"""SVG snapshots of the main screens at 80×24 and 120×40 (update: pytest --snapshot-update)."""

from __future__ import annotations

from textual.widgets import Input

from tests.console.conftest import settle, settle_until, type_text

NARROW = (80, 24)
WIDE = (120, 40)


def steps(*keys: str, search: str | None = None, ready=None):
    """A ``run_before`` that optionally searches, then presses ``keys`` (settling after each),
    then waits until ``ready(app)`` if given (a screen that finishes in several steps)."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        if search is not None:
            await pilot.press("f2")
            await type_text(pilot, search)
            await pilot.press("enter")
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if ready is not None:
            await settle_until(pilot, ready, what=ready.__doc__ or "the screen")

    return run_before


def phone_in_focus(app) -> bool:
    """the cursor in the first phone number of Add More Information"""
    return isinstance(app.focused, Input) and app.focused.has_class("field-number")


def test_welcome(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps())


def test_results(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps(search="hadji"))


def test_results_wide(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=steps(search="an"))


def test_dashboard(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps(search="C0000001"))


def test_dashboard_wide(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=steps(search="C0000001"))


def test_subscriptions(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW,
                        run_before=steps("f6", search="C0000001"))


def test_financials(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW,
                        run_before=steps("f7", search="C0000001"))


def test_customer_care(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW,
                        run_before=steps("f8", search="C0000001"))


def test_rewards_wide(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=steps("f9", search="C0000001"))


def test_latest_communications(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps("f4"))


def test_advanced_search(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW, run_before=steps("f3", "ctrl+n"))


def test_add_more_information(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW,
                        run_before=steps("ctrl+o", search="C0000001", ready=phone_in_focus))


def test_record_view(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=NARROW,
                        run_before=steps("f6", "v", search="C0000001"))
