"""The footer shows the keys of the place the cursor is in, and only those, however often the
agent moves between the search bar, the results and the customer's tabs."""

from __future__ import annotations

from typing import Any

from textual.widgets._footer import FooterKey

from commcentre_tui.widgets.footer import PALETTE_CLASS, ConsoleFooter
from tests.console.conftest import settle, type_text


def shown(app: Any) -> list[str]:
    """The labels of the keys the footer shows now, left to right (the palette key aside)."""
    footer = app.screen.query_one(ConsoleFooter)
    return [
        key.description
        for key in footer.query(FooterKey)
        if key.display and not key.has_class(PALETTE_CLASS)
    ]


def key_widgets(app: Any) -> int:
    return len(app.screen.query_one(ConsoleFooter).query(FooterKey))


async def test_the_footer_follows_the_cursor_and_reuses_its_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # Nobody loaded yet; Actions first, as at 80 columns the last keys are cut.
        assert shown(app) == ["Actions", "Search", "Advanced", "Latest"]
        widgets = []
        for _ in range(2):
            await pilot.press("f2")
            await type_text(pilot, "hadji")
            await pilot.press("enter")
            await settle(pilot)
            assert shown(app)[0] == "Load customer"
            await pilot.press("enter")
            await settle(pilot)
            customer = shown(app)
            assert (
                customer[0] == "View" and "Add info" in customer and "Load customer" not in customer
            )
            await pilot.press("f7")
            await settle(pilot)
            assert shown(app) == customer  # same keys on every tab
            await pilot.press("f2")  # back to the search bar: no table keys there
            await settle(pilot)
            assert "View" not in shown(app) and "Load customer" not in shown(app)
            assert "Add info" in shown(app)  # the customer is still loaded
            widgets.append(key_widgets(app))
        # Keys not wanted are hidden and reused later: the footer does not grow round by round.
        assert widgets[1] == widgets[0]
