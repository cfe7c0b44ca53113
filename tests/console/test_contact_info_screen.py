"""Add More Information in the console: add rows, validation beside the field, save, conflict."""

from __future__ import annotations

from sqlalchemy import Engine, text
from textual.widgets import Label, Static

from commcentre_tui.repo.agents import actor_for
from commcentre_tui.repo.customer_info import contact_info
from commcentre_tui.screens.contact_info import ContactInfoScreen
from commcentre_tui.services.contact_info import save_contact_info
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.widgets.contact_info_row import InfoRow
from tests.console.conftest import settle, type_text


async def open_form(pilot, number: str = "C0000001") -> ContactInfoScreen:
    await pilot.press("f2")
    await type_text(pilot, number)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("ctrl+o")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ContactInfoScreen)
    return screen


def error_of(row: InfoRow) -> str:
    return str(row.query_one(".row-error", Label).render()) if row.has_class("-error") else ""


async def test_add_email_and_phone_with_errors_shown_beside_the_field(
    make_app, demo_engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        phones_before = len(screen.rows("phones"))
        # A phone row: Ctrl+N adds a row where the cursor is (the phones at first).
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert len(screen.rows("phones")) == phones_before + 1
        await type_text(pilot, "12")
        # An email row, with the "+ Email" button.
        await pilot.click("#add-emails")
        await pilot.pause()
        await type_text(pilot, "maria@@example")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactInfoScreen)  # not saved
        new_phone = screen.rows("phones")[-1]
        new_email = screen.rows("emails")[-1]
        assert "is not a valid phone number" in error_of(new_phone)
        assert "is not a valid email address" in error_of(new_email)
        assert error_of(screen.rows("phones")[0]) == ""
        # Fix both and save.
        new_phone.query_one(".field-number").value = "+357 99 765432"
        new_email.query_one(".field-address").value = "maria.new@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ContactInfoScreen)
    info = contact_info(demo_engine, 1)
    assert "maria.new@example.com" in [e.address for e in info.emails]
    assert "+35799765432" in [p.e164 for p in info.phones]
    with demo_engine.connect() as conn:
        audit = conn.execute(
            text(
                "SELECT action, entity, entity_id FROM audit_entry "
                "WHERE entity = 'contact' AND entity_id = 1"
            )
        ).all()
    assert ("Add More Information", "contact", 1) in [tuple(a) for a in audit]


async def test_add_an_address_and_the_header_refreshes(make_app, demo_engine: Engine) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        await pilot.click("#add-addresses")
        await pilot.pause()
        row = screen.rows("addresses")[-1]
        await type_text(pilot, "1 Makariou Avenue")
        row.query_one(".field-city").value = "Limassol"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ContactInfoScreen)
    cities = [a.city for a in contact_info(demo_engine, 1).addresses]
    assert "Limassol" in cities


async def test_a_stale_edit_is_a_conflict_with_reload_never_an_overwrite(
    make_app, demo_engine: Engine, console_settings
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        # Meanwhile another agent (george) saves the same customer.
        other = ServiceContext(
            demo_engine, console_settings, actor_for(demo_engine, console_settings, "george")
        )
        current = contact_info(demo_engine, 1)
        save_contact_info(
            other,
            1,
            current.version,
            phones=current.phones,
            emails=current.emails,
            addresses=(*current.addresses,),
        )
        theirs = contact_info(demo_engine, 1)
        screen.rows("emails")[0].query_one(".field-address").value = "mine@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactInfoScreen)
        conflict = app.screen.query_one("#info-conflict", Static)
        assert conflict.has_class("-shown")
        assert "Another agent changed" in str(conflict.render())
        assert "Reload" in str(conflict.render())
        assert contact_info(demo_engine, 1) == theirs  # nothing overwritten
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not conflict.has_class("-shown")
        assert screen.info is not None and screen.info.version == theirs.version
        assert screen.rows("emails")[0].value("address") == theirs.emails[0].address


async def test_escape_with_edits_asks_before_discarding(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        screen.rows("phones")[0].query_one(".field-number").value = "99 000000"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ContactInfoScreen)


async def test_main_and_opt_in_ticks_are_symbols_under_no_color(make_app, monkeypatch) -> None:
    """Under NO_COLOR a tick is read as text: ``▐✓▌`` ticked, ``▐ ▌`` not (never colour alone)."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        first = screen.rows("phones")[0].query_one(".main")
        assert str(first.render()).strip() == "▐✓▌ main"
        await pilot.press("ctrl+n")  # a new phone row: not the main one
        await pilot.pause()
        new = screen.rows("phones")[-1].query_one(".main")
        assert str(new.render()).strip() == "▐ ▌ main"
        new.focus()
        await pilot.press("space")  # make it the main one: the other loses its tick
        await pilot.pause()
        assert str(new.render()).strip() == "▐✓▌ main"
        assert str(first.render()).strip() == "▐ ▌ main"
        optins = [
            str(screen.query_one(f"#optin-{m}").render()).strip()
            for m in ("email", "sms", "phone", "letter")
        ]
        assert all(t.startswith(("▐✓▌ ", "▐ ▌ ")) for t in optins), optins
