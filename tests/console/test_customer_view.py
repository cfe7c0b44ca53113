"""The customer view on demo data: header, each tab's data, View + Escape, tab keys."""

from __future__ import annotations

from sqlalchemy import Engine, text
from textual.widgets import DataTable, Select, Sparkline, Static

from commcentre_tui.screens.detail import DetailScreen
from commcentre_tui.widgets.customer_header import CustomerHeader
from tests.console.conftest import settle, table_rows, type_text

CUSTOMER = 1  # María Hadjigeorgiou, C0000001: two accounts, subscriptions, care, rewards


def column(table: DataTable, index: int) -> list[str]:
    return [row[index] for row in table_rows(table)]


async def load(pilot, number: str = "C0000001") -> None:
    await pilot.press("f2")
    await type_text(pilot, number)
    await pilot.press("enter")
    await settle(pilot)


def scalars(engine: Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).scalars())


async def test_header_always_shows_who_is_loaded(make_app, demo_engine: Engine) -> None:
    accounts = scalars(
        demo_engine, "SELECT number FROM account WHERE contact_id = :c ORDER BY id", c=CUSTOMER
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        shown = str(app.screen.query_one(CustomerHeader).render())
        assert "María Hadjigeorgiou" in shown and "C0000001" in shown
        assert all(number in shown for number in accounts)
        assert "Tel +357" in shown and "Balance " in shown and "open care item" in shown
        # The header stays while the agent moves between tabs.
        for key in ("f6", "f7", "f8", "f9"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen.query_one(CustomerHeader).display
            assert "C0000001" in str(app.screen.query_one(CustomerHeader).render())


async def test_dashboard_lists_accounts_subscriptions_care_payments_and_trend(
    make_app, demo_engine: Engine
) -> None:
    accounts = scalars(
        demo_engine, "SELECT number FROM account WHERE contact_id = :c ORDER BY id", c=CUSTOMER
    )
    subs = scalars(
        demo_engine,
        "SELECT s.number FROM subscription s JOIN account a "
        "ON a.id = s.account_id WHERE a.contact_id = :c",
        c=CUSTOMER,
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        q = app.screen.query_one
        assert column(q("#dash-accounts", DataTable), 0) == accounts
        assert sorted(column(q("#dash-subs", DataTable), 0)) == sorted(subs)
        assert column(q("#dash-payments", DataTable), 0)[0].startswith("P")
        assert len(q(Sparkline).data or []) == 12
        assert "total" in str(q("#dash-trend-text", Static).render())


async def test_each_tab_is_one_key_away_with_its_data(make_app, demo_engine: Engine) -> None:
    subs = scalars(
        demo_engine,
        "SELECT s.number FROM subscription s JOIN account a "
        "ON a.id = s.account_id WHERE a.contact_id = :c",
        c=CUSTOMER,
    )
    first_account = scalars(
        demo_engine, "SELECT id FROM account WHERE contact_id = :c ORDER BY id", c=CUSTOMER
    )[0]
    bills = scalars(demo_engine, "SELECT number FROM bill WHERE account_id = :a", a=first_account)
    payments = scalars(
        demo_engine, "SELECT number FROM payment WHERE account_id = :a", a=first_account
    )
    care = scalars(
        demo_engine,
        "SELECT number FROM service_request WHERE contact_id = :c "
        "UNION ALL SELECT number FROM activity WHERE contact_id = :c "
        "UNION ALL SELECT number FROM care_case WHERE contact_id = :c",
        c=CUSTOMER,
    )
    participant = scalars(
        demo_engine, "SELECT number FROM reward_participant WHERE contact_id = :c", c=CUSTOMER
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        tabs = app.screen.customer_view.tabs
        q = app.screen.query_one

        await pilot.press("f6")
        await settle(pilot)
        assert tabs.active == "subscriptions"
        assert sorted(column(q("#subs-table", DataTable), 0)) == sorted(subs)
        assert column(q("#services-table", DataTable), 0)[0] != "No services."

        await pilot.press("f7")
        await settle(pilot)
        assert tabs.active == "financials"
        numbers = column(q("#fin-tx", DataTable), 2)
        assert set(bills) <= set(numbers) and set(payments) <= set(numbers)
        q("#fin-kind", Select).value = "payment"
        await settle(pilot)
        assert set(column(q("#fin-tx", DataTable), 2)) == set(payments)

        await pilot.press("f8")
        await settle(pilot)
        assert tabs.active == "care"
        assert set(care) <= set(column(q("#care-table", DataTable), 1))
        q("#care-type", Select).value = "communication"
        await settle(pilot)
        assert q("#comms-table", DataTable).display and not q("#care-table").display
        assert q("#comms-table", DataTable).row_count > 0

        await pilot.press("f9")
        await settle(pilot)
        assert tabs.active == "rewards"
        assert participant[0] in str(q("#rewards-participants", Static).render())
        kinds = set(column(q("#rewards-table", DataTable), 1))
        assert kinds <= {"Award", "Spend"} and kinds
        q("#rewards-kind", Select).value = "award"
        await settle(pilot)
        assert set(column(q("#rewards-table", DataTable), 1)) == {"Award"}

        await pilot.press("f5")
        await settle(pilot)
        assert tabs.active == "dashboard"


async def test_the_tab_strip_marks_the_active_tab_and_a_click_switches(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        strip = app.screen.customer_view.tabs
        assert "▸F5 Dashboard◂" in str(strip.render())  # marked without colour
        assert "F9 Rewards" in str(strip.render())  # all five fit at 80 columns
        label = str(strip.render()).index("F7 Financials")
        await pilot.click("#customer-tabs", offset=(label + 2, 0))
        await settle(pilot)
        assert strip.active == "financials" and "▸F7 Financials◂" in str(strip.render())
        assert app.screen.query_one("#financials-tab").display
        assert not app.screen.query_one("#dashboard-tab").display
        assert app.focused is app.screen.query_one("#fin-accounts")
        await pilot.click("#customer-tabs", offset=(1, 0))  # back on "F5 Dashboard"
        await settle(pilot)
        assert strip.active == "dashboard"


async def test_care_filters_by_status_and_date(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("f8")
        await settle(pilot)
        q = app.screen.query_one
        everything = table_rows(q("#care-table", DataTable))
        q("#care-status", Select).value = "open"
        await settle(pilot)
        open_rows = table_rows(q("#care-table", DataTable))
        assert 0 < len(open_rows) <= len(everything)
        assert all(row[3] not in ("closed", "completed", "cancelled") for row in open_rows)
        q("#care-since").focus()
        await type_text(pilot, "2099-01-01")
        await pilot.press("enter")
        await settle(pilot)
        assert column(q("#care-table", DataTable), 0) == ["No care records match."]
        q("#care-since").value = ""
        q("#care-since").focus()
        await type_text(pilot, "31/12/2025")
        await pilot.press("enter")
        await settle(pilot)
        assert "YYYY-MM-DD" in str(q("#care-since-error").render())


async def test_view_opens_a_read_only_record_and_escape_comes_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("f7")
        await settle(pilot)
        # F7 puts the cursor in the accounts; Tab goes to the kind filter, then the list.
        accounts = app.screen.query_one("#fin-accounts", DataTable)
        assert app.focused is accounts
        await pilot.press("tab", "tab")
        table = app.screen.query_one("#fin-tx", DataTable)
        assert app.focused is table
        number = table_rows(table)[0][2]
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        title = str(app.screen.query_one("#detail-title", Static).render())
        assert number in title and "read-only" in title
        fields = str(app.screen.query_one("#detail-fields", Static).render())
        assert "Account" in fields and "A0000000" in fields
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)
        assert app.screen.customer_view.tabs.active == "financials"
        assert app.focused is table
        # Enter views as well.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape")


async def test_view_a_case_shows_its_follow_ups(make_app, demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT c.contact_id, k.customer_number, c.number FROM care_case c "
                "JOIN contact k ON k.id = c.contact_id "
                "WHERE c.visibility = 'public' AND EXISTS "
                "(SELECT 1 FROM follow_up f WHERE f.case_id = c.id) LIMIT 1"
            )
        ).one()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot, row.customer_number)
        await pilot.press("f8")
        await settle(pilot)
        app.screen.query_one("#care-type", Select).value = "case"
        await settle(pilot)
        table = app.screen.query_one("#care-table", DataTable)
        index = column(table, 1).index(row.number)
        table.move_cursor(row=index)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.detail is not None
        titles = [s.title for s in app.screen.detail.sections]
        assert titles == ["Follow-ups"] and app.screen.detail.sections[0].rows


async def test_more_loads_the_next_page_of_a_long_list(make_app, demo_engine: Engine) -> None:
    contact_id, number, count = scalars_row(demo_engine)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        from commcentre_tui.repo import customer_tabs

        original = app.gateway.communications

        def small_pages(cid, *, since=None, before=None):
            return customer_tabs.communications(
                app.engine, cid, actor=app.actor, since=since, before=before, limit=5
            )

        app.gateway.communications = small_pages
        await load(pilot, number)
        await pilot.press("f8")
        await settle(pilot)
        app.screen.query_one("#care-type", Select).value = "communication"
        await settle(pilot)
        table = app.screen.query_one("#comms-table", DataTable)
        assert table.row_count == 5
        table.focus()
        await pilot.press("m")
        await settle(pilot)
        assert table.row_count == min(10, count)
        app.gateway.communications = original


def scalars_row(engine: Engine) -> tuple[int, str, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT c.contact_id, k.customer_number, count(*) FROM communication c "
                    "JOIN contact k ON k.id = c.contact_id WHERE c.visibility = 'public' "
                    "GROUP BY c.contact_id, k.customer_number ORDER BY count(*) DESC LIMIT 1"
                )
            ).one()
        )
