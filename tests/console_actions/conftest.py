"""Demo data once per module and backend, for the action-form tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui.config import Settings, load_settings
from commcentre_tui.models import Account, Bill, Contact, Subscription
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.repo.db import make_engine, reading
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.demo import seed_demo
from tests.conftest import BACKENDS, TEST_CONFIG, _truncate_all
from tests.console_support import console_app, settle_workers


@dataclass
class Demo:
    engine: Engine
    settings: Settings
    ctx: ServiceContext
    contact_id: int
    """A person with an account, a subscription and an unpaid bill."""


def _rich_contact(engine: Engine) -> int:
    with reading(engine) as session:
        return session.execute(
            select(Contact.id)
            .join(Account, Account.contact_id == Contact.id)
            .join(Subscription, Subscription.account_id == Account.id)
            .join(Bill, Bill.account_id == Account.id)
            .where(Contact.kind == "person", Bill.status != "paid", Subscription.status == "active")
            .group_by(Contact.id)
            .order_by(func.count(Bill.id).desc(), Contact.id)
            .limit(1)
        ).scalar_one()


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    settings = load_settings(
        TEST_CONFIG, contacts={"custom_fields": [{"name": "Loyalty tier", "type": "text"}]}
    )
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(request.getfixturevalue("pg_database"))
        _truncate_all(engine)
    seed_demo(engine, settings)
    actor = actor_for(engine, settings, "admin")
    yield Demo(engine, settings, ServiceContext(engine, settings, actor), _rich_contact(engine))
    if request.param == "postgresql":
        _truncate_all(engine)
    engine.dispose()


# -- Pilot helpers: drive the real console from the Action Panel ---------------------------------
def make_app(demo: Demo, agent: str = "admin") -> Any:
    """The console on the demo data, as ``agent``."""
    return console_app(
        demo.engine, demo.settings, agent, actor=demo.ctx.actor if agent == "admin" else None
    )


async def settle(pilot: Any) -> None:
    """Let workers finish and their results reach the screen (the reminder poll runs on)."""
    await settle_workers(pilot)


async def load_customer(pilot: Any, contact_id: int) -> None:
    pilot.app.load_customer(contact_id, focus=True)
    await settle(pilot)


async def from_panel(pilot: Any, name: str, typed: str | None = None) -> Any:
    """Open the Action Panel (F10), type to filter, Enter: the form of ``name``."""
    from commcentre_tui.screens.actions.form import ActionFormScreen
    from commcentre_tui.screens.actions.panel import ActionPanel

    await pilot.press("f10")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ActionPanel)
    await pilot.press(*(typed or name.lower()), "enter")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ActionFormScreen), f"no form for {name}: {notices(pilot.app)}"
    assert form.spec.name == name
    return form


def fill(form: Any, **values: Any) -> None:
    """Put values in the form's fields (text, choices by value, check boxes)."""
    from textual.widgets import Checkbox, Input, Select, TextArea

    for name, value in values.items():
        widget = form.query_one(f"#field-{name}")
        if isinstance(widget, Select):
            widget.value = str(value)
        elif isinstance(widget, TextArea):
            widget.text = str(value)
        elif isinstance(widget, Checkbox):
            widget.value = bool(value)
        else:
            assert isinstance(widget, Input)
            widget.value = str(value)


def choices(form: Any, name: str) -> list[tuple[str, str]]:
    """The (value, label) pairs a choice field offers."""
    spec = next(f for f in form.fields if f.name == name)
    return (
        form.data.lists.get(spec.choices, [])
        if isinstance(spec.choices, str)
        else list(spec.choices)
    )


async def save(pilot: Any, *, answer: str | None = None) -> None:
    """Ctrl+S; with ``answer`` ("y"/"n") the confirmation that must appear is answered."""
    from commcentre_tui.dialogs.confirm import ConfirmScreen

    await pilot.press("ctrl+s")
    await settle(pilot)
    if answer is not None:
        assert isinstance(pilot.app.screen, ConfirmScreen), "no confirmation was asked"
        await pilot.press(answer)
        await settle(pilot)


def notices(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def field_error(form: Any, name: str) -> str:
    return str(form.query_one(f"#error-{name}").render())


async def show_tab(pilot: Any, tab_id: str) -> Any:
    """Switch to a tab of the customer view (F5–F9) and wait for its data."""
    keys = {
        "dashboard": "f5",
        "subscriptions": "f6",
        "financials": "f7",
        "care": "f8",
        "rewards": "f9",
    }
    await pilot.press(keys[tab_id])
    await settle(pilot)
    return pilot.app.console_screen.customer_view.tab(tab_id)


def table_rows(table: Any) -> list[str]:
    """Each row of a table as one line of its cell texts."""
    return [" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def header_text(app: Any) -> str:
    from commcentre_tui.widgets.customer_header import header_text as render

    summary = app.console_screen.customer_view.header.summary
    return render(summary).plain if summary is not None else ""
