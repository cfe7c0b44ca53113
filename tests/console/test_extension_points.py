"""What later work builds on: load a customer from outside (CTI), push a modal for the loaded
customer and refresh afterwards, CustomerChanged from anywhere."""

from __future__ import annotations

from sqlalchemy import Engine, text
from textual.screen import ModalScreen
from textual.widgets import Input

from commcentre_tui.support.messages import CustomerChanged, LoadCustomer
from commcentre_tui.widgets.customer_header import CustomerHeader
from tests.console.conftest import settle


def header(app) -> str:
    return str(app.console_screen.query_one(CustomerHeader).render())


class Done(ModalScreen[bool]):
    """Stands in for an action form: dismisses True as if it saved."""

    def compose(self):
        yield Input()


def rename_phone(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE contact_phone SET e164 = '+35799999999', is_primary = true "
                "WHERE contact_id = 1"
            )
        )


async def test_load_customer_from_outside_keeps_the_agents_typing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h", "a")  # the agent is typing in the search bar
        app.load_customer(1)  # e.g. a CTI screen pop
        await settle(pilot)
        assert app.customer_id == 1 and "C0000001" in header(app)
        assert isinstance(app.focused, Input) and app.focused.value == "ha"
        app.post_message(LoadCustomer(5))
        await settle(pilot)
        assert app.customer_id == 5


async def test_a_modal_for_the_customer_refreshes_the_view_when_it_saves(
    make_app, demo_engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.load_customer(1)
        await settle(pilot)
        seen = []
        app.push_for_customer(Done(), callback=seen.append)
        await pilot.pause()
        rename_phone(demo_engine)  # what the form saved
        app.screen.dismiss(True)
        await settle(pilot)
        assert seen == [True]
        assert "+35799999999" in header(app)


async def test_customer_changed_reloads_only_the_loaded_customer(
    make_app, demo_engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.load_customer(1)
        await settle(pilot)
        rename_phone(demo_engine)
        app.post_message(CustomerChanged(2))
        await settle(pilot)
        assert "+35799999999" not in header(app)
        app.post_message(CustomerChanged(1))
        await settle(pilot)
        assert "+35799999999" in header(app)


def test_the_key_table_documents_every_binding() -> None:
    from pathlib import Path

    from commcentre_tui.keys import KEYS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "console.md").read_text("utf-8")
    for key_id in KEYS:
        assert f"| `{key_id}` |" in doc, key_id
