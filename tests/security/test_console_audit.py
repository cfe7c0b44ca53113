"""The console's audit browser and refusals seen from the console (both backends).

Supervisors open "Audit Trail" from the palette: newest first, filters by agent, entity and date
range, keyboard paging, values shown as inert text. Other roles are not offered it and are
refused (audited) if they reach it anyway. A service refusal in a form shows its sentence, is
audited, and writes nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from textual.widgets import DataTable, Input, Static

from commcentre_tui.app import CommCentreApp, create_app
from commcentre_tui.config import Settings
from commcentre_tui.models import Account, AuditEntry, Payment
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import REFUSAL_ACTION, Actor
from commcentre_tui.roles import RoleSettings
from commcentre_tui.screens import audit as audit_screen
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.audit import AuditScreen
from tests.console import data
from tests.console.conftest import settle

from .conftest import add_agent, audit_rows

SIZE = (140, 40)
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
HOSTILE = "[bold red]boom[/] \x1b[2J"


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def trail(engine: Engine, settings: Settings) -> dict[str, Actor]:
    """25 entries an hour apart (tom every third, maria the rest) and a hostile detail."""
    people = {
        "sup": add_agent(engine, settings, "sup", role="supervisor", display_name="Sue"),
        "maria": add_agent(engine, settings, "maria", display_name="Maria"),
        "tom": add_agent(engine, settings, "tom", display_name="Tom"),
    }
    with transaction(engine) as session:
        for i in range(25):
            who = people["tom"] if i % 3 == 0 else people["maria"]
            session.add(
                AuditEntry(
                    at=T0 + timedelta(hours=i),
                    agent_id=who.agent_id,
                    action="update",
                    entity="payment" if i % 5 == 0 else "contact",
                    entity_id=i,
                    before={"n": i - 1},
                    after={"n": i},
                )
            )
        session.add(
            AuditEntry(
                at=T0 + timedelta(days=3),
                agent_id=people["maria"].agent_id,
                action="create",
                entity="case",
                entity_id=99,
                detail=HOSTILE,
            )
        )
    return people


def console(engine: Engine, settings: Settings, actor: Actor) -> CommCentreApp:
    app = create_app(settings=settings, engine=engine, actor=actor, today=lambda: data.NOW.date())
    app.offer_drafts_on_start = False
    return app


def rows(screen: AuditScreen) -> list[list[str]]:
    table = screen.query_one("#audit-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def status(screen: AuditScreen) -> str:
    return str(screen.query_one("#audit-status", Static).render())


async def open_from_palette(pilot: Any) -> AuditScreen:
    await pilot.app.console_screen.panels_ready.wait()
    await settle(pilot)
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Audit Trail")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AuditScreen)
    return screen


async def apply(pilot: Any, screen: AuditScreen, **values: str) -> None:
    for name, value in values.items():
        screen.query_one(f"#filter-{name}", Input).value = value
    screen.query_one("#filter-agent", Input).focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_supervisor_browses_filters_and_pages_the_trail(
    engine: Engine,
    settings: Settings,
    trail: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(audit_screen, "PAGE_SIZE", 10)
    app = console(engine, settings, trail["sup"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_from_palette(pilot)
        first = rows(screen)
        assert len(first) == 10
        # newest first: the hostile case entry, shown literally (no markup, escape made visible)
        assert first[0][1:5] == ["maria", "create", "case", "99"]
        assert "[bold red]boom[/]" in first[0][5] and "\\x1b[2J" in first[0][5]
        assert first[1][1:5] == ["tom", "update", "contact", "24"]
        assert "n: 23 → 24" in first[1][5]
        assert status(screen).startswith("Page 1 · 10 entries")

        # keyboard paging: older, older, the end, and back
        screen.query_one("#audit-table", DataTable).focus()
        await pilot.press("pagedown")
        await settle(pilot)
        assert [r[4] for r in rows(screen)] == [str(i) for i in range(15, 5, -1)]
        await pilot.press("n")
        await settle(pilot)
        assert [r[4] for r in rows(screen)] == [str(i) for i in range(5, -1, -1)]
        assert "oldest page" in status(screen)
        await pilot.press("pagedown")
        await settle(pilot)
        assert "This is the oldest page." in status(screen)
        await pilot.press("pageup")
        await settle(pilot)
        assert [r[4] for r in rows(screen)] == [str(i) for i in range(15, 5, -1)]

        # filters: one agent, one entity, a date range (whole days, both inclusive)
        await apply(pilot, screen, agent="tom")
        assert {r[1] for r in rows(screen)} == {"tom"} and len(rows(screen)) == 9
        await apply(pilot, screen, agent="", entity="payment")
        assert [r[4] for r in rows(screen)] == ["20", "15", "10", "5", "0"]
        await apply(pilot, screen, entity="", since="2025-03-02", until="2025-03-02")
        assert [r[4] for r in rows(screen)] == [str(i) for i in range(24, 14, -1)]
        await apply(pilot, screen, since="2025-03-05", until="")
        assert rows(screen) == [] and status(screen) == "No audit entries match these filters."
        await apply(pilot, screen, since="tomorrow")
        assert status(screen) == "From must be a date like 2026-06-15."

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.console_screen


async def test_typing_n_or_p_in_a_filter_types_it(
    engine: Engine,
    settings: Settings,
    trail: dict[str, Actor],
) -> None:
    app = console(engine, settings, trail["sup"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_from_palette(pilot)
        screen.query_one("#filter-agent", Input).focus()
        await pilot.press(*"np")
        assert screen.query_one("#filter-agent", Input).value == "np"


async def test_other_roles_are_not_offered_it_and_are_refused_with_an_audit_entry(
    engine: Engine,
    settings: Settings,
    trail: dict[str, Actor],
) -> None:
    app = console(engine, settings, trail["maria"])
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.console_screen)}
        assert "Audit Trail" not in titles
        app.push_screen(AuditScreen())  # reached anyway: the repository refuses
        await settle(pilot)
        assert app.screen is app.console_screen
        said = [n.message for n in app._notifications]
        assert "Your role (agent) has none access to audit records; this needs view." in said
    refused = audit_rows(engine, REFUSAL_ACTION)
    assert [(r.agent_id, r.entity) for r in refused] == [(trail["maria"].agent_id, "audit")]


async def test_a_refused_save_shows_the_sentence_is_audited_and_writes_nothing(
    engine: Engine,
    settings: Settings,
) -> None:
    known = data.build(engine)
    settings.roles["trainee"] = RoleSettings(
        description="look, do not touch payments",
        default_level="edit",
        entities={"payment": "view"},
    )
    trainee = add_agent(engine, settings, "trainee1", role="trainee")
    with reading(engine) as session:
        payments = session.execute(select(func.count()).select_from(Payment)).scalar_one()
        balance = session.get(Account, known.account_id).balance
        entries = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    app = console(engine, settings, trainee)
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        await settle(pilot)
        app.load_customer(known.contact_id)
        await settle(pilot)
        run_action(app, "Post a Payment")  # offered: the role may run the action
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        form.query_one("#field-amount", Input).value = "7.25"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # kept open with the sentence
        said = [n.message for n in app._notifications]
        assert "Your role (trainee) has view access to payment records; this needs edit." in said
    with reading(engine) as session:
        assert session.execute(select(func.count()).select_from(Payment)).scalar_one() == payments
        assert session.get(Account, known.account_id).balance == balance
        after = list(
            session.execute(
                select(AuditEntry).where(AuditEntry.id > entries).order_by(AuditEntry.id)
            ).scalars()
        )
    assert [(e.action, e.entity, e.agent_id) for e in after] == [
        (REFUSAL_ACTION, "payment", trainee.agent_id)
    ]
    assert balance == Decimal(balance)
