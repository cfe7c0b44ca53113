"""Focus and keys at 80×24, pressed as an agent does: Tab stays in the lists, stray letters never
edit the search bar (they jump in a results list), Escape steps back but never drops the
customer on the line, forms open on a field to type in, an empty Advanced Search condition is
refused with a sentence, the Action Panel finds actions by words in any order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from textual.widgets import Input, OptionList, Select

from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.panel import ActionPanel
from commcentre_tui.screens.advanced_search import AdvancedSearchScreen
from commcentre_tui.screens.console import CUSTOMER, RESULTS, WELCOME
from commcentre_tui.text import fold
from commcentre_tui.widgets.search_bar import SearchBar
from tests.console.conftest import settle, settle_until, table_rows, type_text


def notices(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def in_search_bar(app: Any) -> bool:
    focused = app.screen.focused
    return focused is not None and any(isinstance(n, SearchBar) for n in focused.ancestors)


async def test_lists_keep_the_keys_and_escape_never_drops_the_customer(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "hadji")
        await pilot.press("enter")
        await settle_until(
            pilot,
            lambda a: a.screen.view == RESULTS and a.screen.results.table.row_count > 2,
            "the results",
        )
        screen, table = app.screen, app.screen.results.table
        names = [row[0] for row in table_rows(table)]
        # Letters jump to the next name starting with them; the search text stays.
        await pilot.press("c")
        assert names[table.cursor_row].startswith("C")
        await pilot.press("k")
        assert names[table.cursor_row].startswith("K")
        assert screen.search_bar.value_input.value == "hadji"
        # Tab stays in the results (the search bar is F2 away).
        await pilot.press("tab", "tab", "tab", "shift+tab")
        assert app.screen.focused is table
        row = table.cursor_row
        await pilot.press("enter")
        await settle_until(
            pilot,
            lambda a: a.screen.view == CUSTOMER and a.screen.customer_view.populated(),
            "the customer",
        )
        loaded = app.customer_id
        assert loaded is not None and names[row].rstrip("…") in (app.customer_label or "")
        # Tab cycles through the customer's lists and never lands in the search bar.
        seen = set()
        for _ in range(8):
            await pilot.press("tab")
            assert not in_search_bar(app)
            seen.add(app.screen.focused.id)
        assert len(seen) > 2
        await pilot.press("shift+tab", "x", "q", "enter")
        await settle(pilot)
        assert screen.search_bar.value_input.value == "hadji" and app.customer_id == loaded
        assert screen.view == CUSTOMER
        while app.screen is not screen:  # (Enter may have opened a View of a record)
            await pilot.press("escape")
            await settle(pilot)
        # Escape: back to the results the customer came from, then back to the customer.
        await pilot.press("escape")
        await settle(pilot)
        assert screen.view == RESULTS and app.customer_id == loaded
        await pilot.press("escape")
        await settle(pilot)
        assert screen.view == CUSTOMER and app.customer_id == loaded
        # Nothing further back: Escape says the customer stays and how to close it.
        await pilot.press("escape")
        await settle(pilot)
        assert screen.view == CUSTOMER and app.customer_id == loaded
        assert any("stays loaded" in n and "Close Customer" in n for n in notices(app))
        # Close Customer, from the palette.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Close Customer")
        await pilot.pause(0.3)  # (the palette searches in the background)
        await settle_until(
            pilot,
            lambda a: (
                "Close Customer"
                in str(a.screen.query_one(OptionList).get_option_at_index(0).prompt)
                if a.screen.query(OptionList)
                else False
            ),
            "the palette's match",
        )
        await pilot.press("enter")
        await settle_until(pilot, lambda a: a.customer_id is None, "the customer closed")
        assert screen.view == WELCOME and in_search_bar(app)
        await pilot.press("escape")
        assert screen.view == WELCOME


async def test_panel_words_forms_and_empty_conditions(make_app, demo_engine: Engine) -> None:
    app = make_app("george")  # a supervisor: every action is offered
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # Advanced Search: an empty new condition is refused with a sentence, not dropped.
        await pilot.press("f3")
        await settle(pilot)
        advanced = app.screen
        assert isinstance(advanced, AdvancedSearchScreen)
        advanced.rows[0].query_one(".field", Select).value = "customer_number"
        await type_text(pilot, "C0000001")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is advanced and len(advanced.rows) == 2
        error = str(advanced.query_one("#advanced-error").render())
        assert "Condition 2" in error and "has no value" in error
        assert advanced.focused is advanced.rows[1].query_one(".value", Input)
        await pilot.press("ctrl+delete", "enter")
        await settle_until(pilot, lambda a: a.customer_id == 1, "the one customer")

        # The Action Panel: words in any order, prefixes, hyphen and space alike.
        async def found(typed: str) -> tuple[list[str], str | None]:
            panel = app.screen
            assert isinstance(panel, ActionPanel)
            panel.query_one("#panel-filter", Input).value = ""
            await type_text(pilot, typed)
            await pilot.pause()
            options = panel.query_one("#panel-options", OptionList)
            ids = [o.id for o in options._options if o.id]
            cursor = options.highlighted
            return ids, (options.get_option_at_index(cursor).id if cursor is not None else None)

        await pilot.press("f10")
        await settle(pilot)
        for typed in ("bill sub", "sub bill"):
            ids, chosen = await found(typed)
            assert ids == ["Bill Subscriber"] and chosen == "Bill Subscriber", typed
        ids, chosen = await found("follow up")
        assert {"Add a Follow-up", "Follow Up"} <= set(ids) and chosen == "Follow Up"
        ids, chosen = await found("follow-up")
        assert chosen == "Add a Follow-up"
        ids, _ = await found("voucher")
        assert {"Cancel eVoucher", "Use Voucher"} <= set(ids)
        ids, chosen = await found("lgprsn")  # no word matches: fuzzy, as the palette
        assert chosen == "Log Person Information"

        # A form opens on the first field to type in, not on a drop-down.
        await found("take a lead")
        await pilot.press("enter")
        await settle_until(
            pilot,
            lambda a: isinstance(a.screen, ActionFormScreen) and a.screen.focused is not None,
            "the Take a Lead form",
        )
        form = app.screen
        assert form.focused is form.query_one("#field-interest", Input)
        await pilot.press("space", "t", "v")
        assert form.query_one("#field-interest", Input).value == " tv"
        assert not form.query_one("#field-source", Select).expanded

        # An international email address is taken as typed (Log Person Information).
        await pilot.press("escape", "y")  # "Discard what you typed?" Yes
        await settle_until(pilot, lambda a: a.screen is a.console_screen, "the form closed")
        await pilot.press("f10")
        await settle(pilot)
        await found("log person")
        await pilot.press("enter")
        await settle_until(
            pilot,
            lambda a: isinstance(a.screen, ActionFormScreen) and bool(a.screen.fields),
            "the Log Person form",
        )
        form = app.screen
        form.query_one("#field-first_name", Input).value = "Μαρία"
        form.query_one("#field-last_name", Input).value = "Κύπρου"
        email = form.query_one("#field-email", Input)
        email.value = "info@κύπρος.cy"
        email.focus()
        await pilot.press("ctrl+s")
        await settle_until(
            pilot,
            lambda a: (
                not isinstance(a.screen, ActionFormScreen)
                or "✗" in str(a.screen.query_one("#error-email").render())
            ),
            "the save",
        )
        assert not isinstance(app.screen, ActionFormScreen), notices(app)
    with demo_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT address, address_norm FROM contact_email WHERE address_norm = :a"),
            {"a": fold("info@κύπρος.cy")},
        ).all()
    assert stored == [("info@κύπρος.cy", fold("info@κύπρος.cy"))]  # as typed, and folded
