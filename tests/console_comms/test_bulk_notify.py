"""Notify these results: from the search results, pick a template, see the preview, confirm, and
every message is queued (the console's bulk notification)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from textual.widgets import ProgressBar, Select

from commcentre_tui import models as m
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.search.api import Condition
from commcentre_tui.screens.comms.bulk import TITLE, NotifyResultsScreen, notify_commands
from tests.console_comms.conftest import SIZE, notifications, settle


def common_last_name(engine: Engine) -> tuple[str, int]:
    """The demo's most frequent last name and how many customers carry it."""
    with reading(engine) as session:
        name, count = session.execute(
            select(m.Contact.last_name, func.count())
            .where(m.Contact.last_name.is_not(None))
            .group_by(m.Contact.last_name)
            .order_by(func.count().desc(), m.Contact.last_name)
            .limit(1)
        ).one()
    return name, count


def last_id(engine: Engine) -> int:
    with reading(engine) as session:
        return session.execute(select(func.max(m.Communication.id))).scalar() or 0


def new_rows(engine: Engine, after: int) -> list[m.Communication]:
    """The communications written after id ``after``."""
    with reading(engine) as session:
        return list(
            session.execute(select(m.Communication).where(m.Communication.id > after)).scalars()
        )


async def search(pilot: Any, *conditions: Condition) -> None:
    app = pilot.app
    await app.console_screen.panels_ready.wait()
    app.console_screen.run_search(conditions, "advanced")
    await settle(pilot)
    assert app.console_screen.view == "results"


async def open_notify(pilot: Any) -> NotifyResultsScreen:
    commands = {c.title: c for c in notify_commands(pilot.app)}
    commands[TITLE].callback()
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, NotifyResultsScreen)
    return screen


async def choose_template(pilot: Any, screen: NotifyResultsScreen, name: str) -> None:
    """Choose ``name`` in the template list (as the form tests do) and wait for the preview."""
    select = screen.query_one("#bulk-template", Select)
    assert select.has_focus  # the list takes the cursor once the templates are read
    select.value = name
    await settle(pilot)


async def test_notify_these_results_previews_confirms_and_queues_them(
    make_app, comms_engine
) -> None:
    last_name, found = common_last_name(comms_engine)
    before = last_id(comms_engine)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, Condition("last_name", "=", last_name))
        screen = await open_notify(pilot)
        assert last_name in str(screen.query_one("#bulk-title").render())
        await choose_template(pilot, screen, "Account balance")
        report = screen.report
        assert report is not None and report.matched == found
        count = str(screen.query_one("#bulk-count").render())
        assert count.startswith(
            f"{found} customers found; {report.queued} messages would be queued"
        )
        sample = str(screen.query_one("#bulk-sample").render())
        first = report.samples[0]
        assert (
            f"to {first.name} ({first.customer_number})" in sample
            and first.content.splitlines()[0] in sample
        )
        assert "{{" not in first.content
        if report.problems:  # why some would not be sent, in the agent's words
            assert f"Not sent: {report.problems[0]}" in sample
        assert new_rows(comms_engine, before) == []  # the preview writes nothing

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"to {report.queued} customers of these results" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is app.console_screen
        rows = new_rows(comms_engine, before)
        assert len(rows) == report.queued > 0
        assert {(r.state, r.category) for r in rows} == {("completed", "Notification")}
        assert {r.delivery for r in rows} <= {"queued", None}
        assert any(
            n.startswith("'Account balance' to segment search results:") for n in notifications(app)
        )


async def test_escape_in_the_confirmation_sends_nothing(make_app, comms_engine) -> None:
    last_name, _found = common_last_name(comms_engine)
    before = last_id(comms_engine)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, Condition("last_name", "=", last_name))
        screen = await open_notify(pilot)
        await pilot.press("ctrl+s")  # no template yet: says so
        await settle(pilot)
        assert "Choose a template first; the preview shows what would be sent." in notifications(
            app
        )
        await choose_template(pilot, screen, "Account balance")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")  # "Back" in the confirmation
        await settle(pilot)
        assert app.screen is screen and not screen.query_one(ProgressBar).display
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.console_screen
        assert new_rows(comms_engine, before) == []


async def test_the_command_is_offered_only_with_search_results(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        assert list(notify_commands(app)) == []
        await search(pilot, Condition("last_name", "like", "Geor"))
        assert [c.title for c in notify_commands(app)] == [TITLE]


async def test_an_overdue_reminder_to_mixed_results_goes_only_to_the_overdue_customers(
    make_app,
    comms_engine,
) -> None:
    """Issue 16: results mixing overdue, paid-up and not-yet-due customers. The preview says who
    is skipped and why; the queued messages are the overdue customers' only, each naming that
    customer's own overdue bill and amount (never a paid or future bill)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from commcentre_tui.repo.db import transaction
    from tests.comms.conftest import add_customer

    def customer(n: int, first: str, **options: Any) -> dict[str, int]:
        return add_customer(comms_engine, n, first=first, last="Zephyrou", **options)

    late, also_late = customer(9901, "Anna", overdue=True), customer(9902, "Dora", overdue=True)
    paid, later = customer(9903, "Boris"), customer(9904, "Chloe")
    today = date.today()
    with transaction(comms_engine) as session:
        session.get(m.Bill, also_late["bill"]).paid_amount = Decimal("10.00")
        session.get(m.Bill, also_late["bill"]).status = "partly_paid"
        for ids, number, due, status in (
            (paid, "B000990301", -20, "paid"),
            (later, "B000990401", 24, "unpaid"),
        ):
            session.add(
                m.Bill(
                    account_id=ids["account"],
                    subscription_id=ids["subscription"],
                    number=number,
                    period_start=today - timedelta(days=30),
                    period_end=today,
                    bill_date=today,
                    due_date=today + timedelta(days=due),
                    subtotal=Decimal("38.57"),
                    tax=Decimal("7.33"),
                    amount=Decimal("45.90"),
                    paid_amount=Decimal("45.90") if status == "paid" else Decimal("0"),
                    status=status,
                )
            )
    before = last_id(comms_engine)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, Condition("last_name", "=", "Zephyrou"))
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*TITLE)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NotifyResultsScreen)
        await choose_template(pilot, screen, "Overdue reminder")
        count = str(screen.query_one("#bulk-count").render())
        assert (
            count
            == "4 customers found; 2 messages would be queued; skipped: 2 with no overdue bill."
        )
        sample = str(screen.query_one("#bulk-sample").render())
        assert "Dear Anna, bill B000009901 (45.90 EUR)" in sample
        assert "Dear Dora, bill B000009902 (35.90 EUR)" in sample
        assert "Not sent: C0009903 has no overdue bill." in sample and "B000990301" not in sample

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "2 will be skipped: 2 with no overdue bill." in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is app.console_screen
    rows = {r.contact_id: r for r in new_rows(comms_engine, before)}
    assert set(rows) == {late["contact"], also_late["contact"]}  # what the preview showed
    assert (rows[late["contact"]].related_type, rows[late["contact"]].related_id) == (
        "bill",
        late["bill"],
    )
    assert "bill B000009901 (45.90 EUR)" in rows[late["contact"]].content
    assert "bill B000009902 (35.90 EUR)" in rows[also_late["contact"]].content
    with reading(comms_engine) as session:
        queued = (
            session.execute(
                select(m.CommunicationQueue.communication_id).where(
                    m.CommunicationQueue.communication_id > before
                )
            )
            .scalars()
            .all()
        )
    assert sorted(queued) == sorted(r.id for r in rows.values())
