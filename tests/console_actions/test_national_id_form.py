"""National ID in the console: typed in Log Person Information, shown in the customer header, and
found again by Quick Search however the agent types it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from commcentre_tui import models as m
from commcentre_tui.repo.db import reading
from tests.console_actions.conftest import (
    fill,
    from_panel,
    header_text,
    load_customer,
    make_app,
    notices,
    save,
    settle,
)


async def test_a_national_id_logged_with_a_person_is_shown_and_found_by_any(demo: Any) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        form = await from_panel(pilot, "Log Person Information", "log person")
        fill(form, first_name="Anthi", last_name="Vasileiou", national_id="AK 405-118")
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        assert "National ID AK 405-118" in header_text(app)
        with reading(demo.engine) as session:
            new_id = session.execute(
                select(m.Contact.id).where(m.Contact.last_name == "Vasileiou")
            ).scalar_one()
        await load_customer(pilot, demo.contact_id)  # another customer in between
        assert app.customer_id != new_id
        # Quick Search, field Any, typed without the space and dash and in lower case.
        await pilot.press("f2", *"ak405118", "enter")
        await settle(pilot)
        assert app.customer_id == new_id, notices(app)
        assert "Anthi Vasileiou" in header_text(app)
