"""The Templates screen (issue 16, item 3): an administrator opens it from the palette, adds a
template with tag completion, sees the check refuse an unknown tag before anything is saved,
previews it for a customer, saves it (audited) and deactivates it (audited)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.widgets import DataTable, Input, Select, Static

from commcentre_tui import models as m
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.templates import TemplatesScreen
from commcentre_tui.screens.templates_palette import may_edit
from tests.console_comms.conftest import SIZE, notifications, settle


def text_of(screen: TemplatesScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def template_rows(engine: Any) -> dict[str, m.Template]:
    with reading(engine) as session:
        return {
            t.name: t
            for t in session.execute(
                select(m.Template).where(m.Template.language == "en")
            ).scalars()
        }


def audit_actions(engine: Any) -> list[str]:
    with reading(engine) as session:
        return list(
            session.execute(
                select(m.AuditEntry.action)
                .where(m.AuditEntry.entity == "template")
                .order_by(m.AuditEntry.id)
            ).scalars()
        )


async def test_an_administrator_adds_checks_previews_saves_and_deactivates_a_template(
    make_app,
    comms_engine,
    comms_settings,
) -> None:
    assert not may_edit(
        actor_for(comms_engine, comms_settings, "maria")
    )  # agents: no palette entry
    with reading(comms_engine) as session:
        customer = (
            session.execute(
                select(m.Contact).where(m.Contact.first_name.is_not(None)).order_by(m.Contact.id)
            )
            .scalars()
            .first()
        )
    app = make_app("admin")
    async with app.run_test(size=SIZE) as pilot:
        await app.console_screen.panels_ready.wait()
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Templates")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TemplatesScreen)
        assert screen.query_one("#tpl-list", DataTable).row_count == 8
        assert text_of(screen, "#tpl-status") == "8 template versions."

        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.query_one("#tpl-name", Input).has_focus
        await pilot.press(*"Payment thanks")
        screen.query_one("#tpl-media", Select).value = "sms"
        screen.query_one("#tpl-body").focus()
        await pilot.pause()
        await pilot.press(*"Thanks {{ contact.fi")
        await settle(pilot)
        assert screen.query_one("#tpl-body-tags").is_open  # the tag list under the body
        await pilot.press("enter")  # inserts contact.first_name }}
        await pilot.press(*" {{ contact.nick }}")
        await settle(pilot)
        assert "Unknown tag {{ contact.nick }}" in text_of(
            screen, "#tpl-preview"
        )  # checked as typed
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(screen, "#tpl-error") == (
            "✗ Unknown tag {{ contact.nick }} on line 1: it is not in the tag reference."
        )
        assert "Payment thanks" not in template_rows(comms_engine)  # nothing saved

        await pilot.press(*["backspace"] * len(" {{ contact.nick }}"), *".")
        screen.query_one("#tpl-customer", Input).focus()
        await pilot.pause()
        await pilot.press(*customer.customer_number)
        await settle(pilot)
        preview = text_of(screen, "#tpl-preview")
        assert (
            f"({customer.customer_number})" in preview
            and f"Thanks {customer.first_name}." in preview
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = template_rows(comms_engine)["Payment thanks"]
        assert (saved.media, saved.body, saved.about, saved.active) == (
            "sms",
            "Thanks {{ contact.first_name }}.",
            "customer",
            True,
        )
        assert "Saved the template Payment thanks (en)." in notifications(app)
        assert screen.query_one("#tpl-list", DataTable).row_count == 9

        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert not template_rows(comms_engine)["Payment thanks"].active
        assert audit_actions(comms_engine) == ["Create template", "Deactivate template"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.console_screen
