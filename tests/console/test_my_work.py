"""My Work (F11): everything waiting for the signed-in agent across customers — what is in it and
in which order, the filters, the counts, keyset paging, and Enter opening the record over its
customer (a draft in the communication form). Both backends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.widgets import Select

from commcentre_tui.app import create_app
from commcentre_tui.config import Settings
from commcentre_tui.models import Activity, Case, Communication, Lead, ServiceRequest, Task
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.my_work import WorkCounts, my_work, work_counts
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.screens import my_work as my_work_screen
from commcentre_tui.screens.comms.form import CommunicationScreen
from commcentre_tui.screens.detail import DetailScreen
from commcentre_tui.screens.my_work import MyWorkScreen
from tests.console import data
from tests.console.conftest import settle, settle_until, table_rows
from tests.security.conftest import add_agent

NOW = data.NOW  # a Monday


@dataclass
class Work:
    maria: Actor
    contact_id: int
    late_task: int
    week_task: int
    later_task: int
    unit_case: int
    activity: int
    draft: int
    failed: int


def build(engine: Engine, settings: Settings) -> Work:
    """Maria's seven open items (and others' items and closed ones that must stay out)."""
    known = data.build(engine)
    maria = add_agent(engine, settings, "maria", display_name="Maria Kosta", unit="Care")
    george = add_agent(engine, settings, "george", unit="Care")
    cid, me, him = known.contact_id, maria.agent_id, george.agent_id

    def task(subject: str, due: datetime, agent: int | None = me, status: str = "open") -> Task:
        return Task(
            contact_id=cid, subject=subject, due_at=due, assigned_agent_id=agent, status=status
        )

    with transaction(engine) as s:
        late = task("Call Eleni back", NOW - timedelta(days=1))
        week = task("Send the offer", NOW + timedelta(days=3))
        later = task("Renewal call", NOW + timedelta(days=10))
        unit_case = Case(
            contact_id=cid,
            number="CS7000001",
            subject="Unit queue case",
            assigned_unit="Care",
            created_at=NOW - timedelta(days=2),
        )
        activity = Activity(
            contact_id=cid,
            number="AC7000001",
            type="Installation",
            status="in_progress",
            assigned_agent_id=me,
            start_at=NOW - timedelta(days=2),
            description="Install the router",
        )
        draft = Communication(
            contact_id=cid,
            agent_id=me,
            direction="outgoing",
            media="email",
            subject="Draft offer",
            state="draft",
            created_at=NOW,
        )
        failed = Communication(
            contact_id=cid,
            agent_id=me,
            direction="outgoing",
            media="email",
            subject="Bounced bill",
            state="completed",
            delivery="failed",
            recipient="eleni@example.com",
            created_at=NOW,
        )
        s.add_all([late, week, later, unit_case, activity, draft, failed])
        s.add_all(
            [  # not Maria's work
                task("George's call", NOW, agent=him),
                task("Done call", NOW - timedelta(days=5), status="completed"),
                Case(
                    contact_id=cid,
                    number="CS7000002",
                    subject="George's case",
                    assigned_unit="Care",
                    assigned_agent_id=him,
                ),
                Case(
                    contact_id=cid,
                    number="CS7000003",
                    subject="Hidden",
                    visibility="unit",
                    assigned_unit="Finance",
                    assigned_agent_id=me,
                ),
                Lead(contact_id=cid, number="L7000001", status="won", assigned_agent_id=me),
                ServiceRequest(
                    contact_id=cid,
                    number="SR7000001",
                    type="Fault",
                    status="closed",
                    assigned_agent_id=me,
                ),
                Communication(
                    contact_id=cid,
                    agent_id=me,
                    direction="outgoing",
                    media="email",
                    subject="Sent fine",
                    state="completed",
                    delivery="sent",
                ),
                Communication(
                    contact_id=cid,
                    agent_id=him,
                    direction="outgoing",
                    media="email",
                    subject="George's draft",
                    state="draft",
                ),
            ]
        )
        s.flush()
        ids = [r.id for r in (late, week, later, unit_case, activity, draft, failed)]
    return Work(maria, cid, *ids)


def test_my_work_lists_the_agents_open_items_in_order_and_pages(
    engine: Engine, settings: Settings
) -> None:
    w = build(engine, settings)
    seen, after = [], None
    while True:  # pages of 3, each continuing after the last
        page = my_work(engine, w.maria, now=NOW, after=after, limit=3)
        seen += [(i.kind, i.id) for i in page.items]
        if not page.has_more:
            break
        after = page.cursor
    assert seen == [
        ("task", w.late_task),
        ("task", w.week_task),
        ("task", w.later_task),
        ("case", w.unit_case),
        ("activity", w.activity),
        ("draft", w.draft),
        ("failed", w.failed),
    ]
    assert work_counts(engine, w.maria, now=NOW) == WorkCounts(total=7, overdue=1)

    def ids(**filters: Any) -> list[int]:
        return [i.id for i in my_work(engine, w.maria, now=NOW, **filters).items]

    assert ids(due="overdue") == [w.late_task]
    assert ids(due="week") == [w.week_task]  # Monday to Sunday: yesterday was last week
    assert ids(kinds=("draft", "failed")) == [w.draft, w.failed]
    assert my_work(engine, w.maria, now=NOW).items[3].mine is False  # the unit's queue
    with pytest.raises(ValueError, match="unknown due filter"):
        my_work(engine, w.maria, now=NOW, due="someday")


async def choose(pilot: Any, select_id: str, label: str) -> None:
    """Pick ``label`` in a filter with the keyboard: to it with Shift+Tab, Enter opens it, the
    arrows move to the choice, Enter takes it."""
    from textual.widgets._select import SelectOverlay

    select = pilot.app.screen.query_one(select_id, Select)
    while pilot.app.focused is not select:
        await pilot.press("shift+tab")
    await pilot.press("enter")
    await settle(pilot, rounds=1)
    overlay = select.query_one(SelectOverlay)
    for _ in range(12):
        option = overlay.highlighted_option
        if option is not None and str(option.prompt) == label:
            break
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)


async def test_f11_lists_filters_and_enter_opens_the_record(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = build(engine, settings)
    monkeypatch.setattr(my_work_screen, "console_now", lambda app: NOW)
    app = create_app(settings=settings, engine=engine, actor=w.maria, today=lambda: NOW.date())
    app.offer_drafts_on_start = False
    async with app.run_test(size=(100, 30)) as pilot:
        await app.console_screen.panels_ready.wait()
        await pilot.press("f11")
        await settle_until(
            pilot,
            lambda a: isinstance(a.screen, MyWorkScreen) and a.screen.counts is not None,
            "My Work",
        )
        screen = app.screen
        title = str(screen.query_one("#my-work-title").render())
        assert "My Work 7 · 1 overdue" in title
        rows = table_rows(screen.table)
        assert [r[3] for r in rows] == [
            "Call Eleni back",
            "Send the offer",
            "Renewal call",
            "Unit queue case",
            "Install the router",
            "Draft offer",
            "Bounced bill",
        ]
        assert rows[0][4] == "overdue" and "Kyriakou" in rows[0][2]

        await choose(pilot, "#my-work-due", "Due this week")
        await settle_until(pilot, lambda a: a.screen.table.row_count == 1, "the week filter")
        assert table_rows(screen.table)[0][3] == "Send the offer"

        await choose(pilot, "#my-work-due", "Overdue")
        await settle_until(
            pilot,
            lambda a: table_rows(a.screen.table)[0][3] == "Call Eleni back",
            "the overdue filter",
        )
        assert screen.table.row_count == 1
        await pilot.press("tab")  # from the Due filter to the list
        assert app.focused is screen.table
        await pilot.press("enter")
        await settle_until(
            pilot,
            lambda a: isinstance(a.screen, DetailScreen) and a.screen.detail is not None,
            "the task's detail",
        )
        assert app.customer_id == w.contact_id
        assert app.screen.ref.entity == "task" and app.screen.ref.id == w.late_task
        assert "Call Eleni back" in str(app.screen.query_one("#detail-fields").render())

        # Back to the customer, then My Work again: a draft opens in the communication form.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f11")
        await settle_until(
            pilot,
            lambda a: isinstance(a.screen, MyWorkScreen) and a.screen.counts is not None,
            "My Work again",
        )
        await choose(pilot, "#my-work-kind", "Drafts")
        await settle_until(
            pilot,
            lambda a: (
                a.screen.table.row_count == 1 and table_rows(a.screen.table)[0][3] == "Draft offer"
            ),
            "the drafts",
        )
        await pilot.press("tab", "tab")  # from the Kind filter, past Due, to the list
        assert app.focused is app.screen.table
        await pilot.press("enter")
        await settle_until(
            pilot, lambda a: isinstance(a.screen, CommunicationScreen), "the communication form"
        )
        assert app.customer_id == w.contact_id


async def test_my_work_is_in_the_palette(engine: Engine, settings: Settings) -> None:
    w = build(engine, settings)
    app = create_app(settings=settings, engine=engine, actor=w.maria, today=lambda: NOW.date())
    app.offer_drafts_on_start = False
    async with app.run_test(size=(100, 30)) as pilot:
        await app.console_screen.panels_ready.wait()
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"My Work")
        await settle(pilot)
        await pilot.press("enter")
        await settle_until(
            pilot,
            lambda a: isinstance(a.screen, MyWorkScreen) and a.screen.counts is not None,
            "My Work from the palette",
        )
        assert app.screen.counts.total == 7
