"""Driving the console as an agent: quick search, Any field, paging, Advanced Search, Latest
Communications, going back — asserting what the widgets show (demo data, SQLite)."""

from __future__ import annotations

from sqlalchemy import Engine, text
from textual.widgets import DataTable, Input, Label, Select, Static

from commcentre_tui.screens.advanced_search import AdvancedSearchScreen
from commcentre_tui.screens.console import CUSTOMER, LATEST, RESULTS
from commcentre_tui.widgets.customer_header import CustomerHeader
from tests.console.conftest import settle, table_rows, type_text


def header_text(app) -> str:
    return str(app.screen.query_one(CustomerHeader).render())


async def quick_search(pilot, value: str) -> None:
    await pilot.press("f2")
    await type_text(pilot, value)
    await pilot.press("enter")
    await settle(pilot)


async def test_search_by_name_lists_matches_and_enter_loads_the_customer(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#search-bar #field", Select).value == "any"
        await quick_search(pilot, "hadji")
        table = app.screen.query_one("#results-table", DataTable)
        names = [row[0] for row in table_rows(table)]
        assert len(names) >= 2 and all("hadji" in n.lower() for n in names)
        assert app.screen.view == RESULTS
        status = str(app.screen.query_one("#results-status", Static).render())
        assert f"1–{len(names)} of {len(names)}" in status and "“hadji”" in status
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen.view == CUSTOMER
        assert names[1].rstrip("…") in header_text(app)
        assert app.customer_id is not None


async def test_search_by_phone_in_national_form_loads_the_one_customer(
    make_app, demo_engine: Engine
) -> None:
    with demo_engine.connect() as conn:
        contact_id, e164 = conn.execute(
            text("SELECT contact_id, e164 FROM contact_phone WHERE contact_id = 1")
        ).one()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quick_search(pilot, e164.removeprefix("+357")[:2] + " " + e164[6:])
        assert app.customer_id == contact_id
        assert "C0000001" in header_text(app)
        assert e164 in header_text(app)


async def test_search_by_customer_number_and_by_chosen_field(make_app, demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        email = (
            conn.execute(text("SELECT address FROM contact_email WHERE contact_id = 3"))
            .scalars()
            .first()
        )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quick_search(pilot, "C0000005")
        assert app.customer_id == 5
        # Choose the Email field and the = operator, as the selector offers them.
        bar = app.screen.query_one("#search-bar")
        options = [value for _, value in bar.query_one("#field", Select)._options]
        assert options == app.settings.search.enabled("quick") and options[0] == "any"
        bar.query_one("#field", Select).value = "email"
        bar.query_one("#op", Select).value = "="
        await quick_search(pilot, email)
        assert app.customer_id == 3


async def test_no_match_says_so(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quick_search(pilot, "zzqqxx")
        status = str(app.screen.query_one("#results-status", Static).render())
        assert "No customer matches" in status
        assert app.customer_id is None


async def test_a_value_search_cannot_use_is_a_sentence_and_the_cursor_stays_to_correct_it(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quick_search(pilot, "%")
        notes = [str(n.message) for n in app._notifications if n.severity == "error"]
        assert notes == ["Type a value to search for."]
        assert app.focused is app.screen.search_bar.value_input
        await type_text(pilot, "hadji")  # replaces the selected "%"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.view == RESULTS
        assert app.screen.results.table.row_count > 1
        assert all("Hadji" in row[0] for row in table_rows(app.screen.results.table))


async def test_contains_under_three_characters_says_what_it_needs(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quick_search(pilot, "%ad%")
        notes = [str(n.message) for n in app._notifications if n.severity == "error"]
        assert notes == [
            "Ends with (%ria) and contains (%ari%) need at least three characters; "
            "starts with (Ma) takes any."
        ]
        assert app.focused is app.screen.search_bar.value_input
        await type_text(pilot, "%adji%")  # replaces the selected "%ad%"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.view == RESULTS
        assert all("adji" in row[0].lower() for row in table_rows(app.screen.results.table))


async def test_paging_with_pgdn_beyond_the_first_page(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quick_search(pilot, "a")
        table = app.screen.query_one("#results-table", DataTable)
        first_page = table_rows(table)
        assert len(first_page) == 50
        status = app.screen.query_one("#results-status", Static)
        assert "1–50 of" in str(status.render())
        await pilot.press("end")
        assert table.cursor_row == 49
        await pilot.press("pagedown")
        await settle(pilot)
        second = table_rows(table)
        assert (
            second
            and second[0] != first_page[0]
            and not set(map(tuple, second)) & set(map(tuple, first_page))
        )
        assert "51–" in str(status.render())
        assert table.cursor_row == 0
        await pilot.press("pageup")
        await settle(pilot)
        assert table_rows(table) == first_page
        assert table.cursor_row == 49
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_advanced_search_with_two_conditions(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, AdvancedSearchScreen)
        app.screen.rows[0].query_one(".field", Select).value = "last_name"
        await type_text(pilot, "%ou")
        await pilot.press("ctrl+n")
        await pilot.pause()
        rows = app.screen.rows
        assert len(rows) == 2
        # Pick the field of the new condition with the keyboard: back to its selector, open
        # it, type to find "First name", Enter; then back to the value.
        await pilot.press("shift+tab", "shift+tab", "enter")
        await type_text(pilot, "first")
        await pilot.press("enter", "tab", "tab")
        await pilot.pause()
        assert rows[1].condition[0] == "first_name"
        await type_text(pilot, "andreas")
        await pilot.press("enter")
        await pilot.pause()
        # "%ou" ends with two letters: refused beside the conditions, the cursor in that one.
        assert isinstance(app.screen, AdvancedSearchScreen)
        error = str(app.screen.query_one("#advanced-error", Label).render())
        assert error == (
            "✗ Condition 1 (Last name): Ends with (%ria) and contains (%ari%) need at least "
            "three characters; starts with (Ma) takes any."
        )
        assert app.focused is rows[0].query_one(".value", Input)
        await pilot.press("home", "right")
        await type_text(pilot, "i")  # "%iou"
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#results-table", DataTable)
        names = [row[0] for row in table_rows(table)]
        assert names and all(n.startswith("Andreas ") and n.endswith("iou") for n in names)
        status = str(app.screen.query_one("#results-status", Static).render())
        assert "Last name Like “%iou” and First name Like “andreas”" in status


async def test_advanced_search_remove_condition_and_cancel(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert len(app.screen.rows) == 2
        await pilot.press("ctrl+delete")
        await pilot.pause()
        assert len(app.screen.rows) == 1
        await pilot.press("enter")  # no value anywhere: refused with a message
        await pilot.pause()
        assert "at least one condition" in str(app.screen.query_one("#advanced-error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AdvancedSearchScreen)


async def test_latest_communications_enter_loads_its_contact(make_app, demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        newest = conn.execute(
            text(
                "SELECT c.contact_id, k.customer_number, c.subject FROM communication c "
                "JOIN contact k ON k.id = c.contact_id JOIN agent a ON a.id = c.agent_id "
                "WHERE a.username = 'maria' ORDER BY c.created_at DESC, c.id DESC LIMIT 1"
            )
        ).one()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.view == LATEST
        table = app.screen.query_one("#latest-table", DataTable)
        assert table.row_count == app.settings.search.communications_limit
        # At 80 columns the subject is cut in its column; the detail line shows it whole.
        detail = str(app.screen.query_one("#latest-detail", Static).render())
        assert f"Subject: {newest.subject}" in detail
        await pilot.press("enter")
        await settle(pilot)
        assert app.customer_id == newest.contact_id
        assert newest.customer_number in header_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.view == LATEST


async def test_escape_goes_back_one_step_at_a_time(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quick_search(pilot, "hadji")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.view == CUSTOMER
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.view == RESULTS
        # Escape never drops the customer on the line: from the results it comes back to
        # the customer (Close Customer in the palette closes it; tests/console/test_focus_keys).
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.view == CUSTOMER and app.customer_id is not None
        assert not isinstance(app.focused, Input)


async def test_keymap_from_config_remaps_a_key(make_app, console_settings) -> None:
    console_settings.ui.keymap = {"latest_communications": "f12"}
    app = make_app(settings=console_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.view == "welcome"
        await pilot.press("f12")
        await settle(pilot)
        assert app.screen.view == LATEST


async def test_palette_offers_the_seed_commands(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Quick Search", "Advanced Search", "Latest Communications"} <= set(titles)
        assert "Dashboard" not in titles  # nothing loaded yet
        await quick_search(pilot, "C0000001")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            "Dashboard",
            "Subscriptions",
            "Financials",
            "Customer Care",
            "Rewards",
            "Add More Information",
        ):
            assert title in titles
        # Run one from the palette the way an agent does.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Financials")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.customer_view.tabs.active == "financials"


async def test_results_at_80_columns_show_names_whole_and_the_highlighted_row_in_full(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quick_search(pilot, "hadji")
        table = app.screen.results.table
        rows = table_rows(table)
        assert table.max_scroll_x == 0  # nothing beyond the right edge
        name = table.columns[table.coordinate_to_cell_key((0, 0)).column_key]
        assert name.width >= max(len(r[0]) for r in rows)  # no name cut
        email = max((r[3] for r in rows), key=len)
        assert len(email) > table.columns[table.coordinate_to_cell_key((0, 3)).column_key].width
        row = next(i for i, r in enumerate(rows) if r[3] == email)
        line = "".join(segment.text for segment in table.render_line(1 + row))
        assert rows[row][0] in line and email[:12] in line and email not in line
        assert line.rstrip().endswith("…")  # the cut email says so
        table.move_cursor(row=row)
        await pilot.pause()
        detail = str(app.screen.query_one("#results-detail", Static).render())
        assert email in detail.replace("\n", "") and rows[row][0] in detail
