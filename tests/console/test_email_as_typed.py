"""International email addresses: validated by email-validator, stored in normal form (the
domain through IDNA) with what the agent typed beside it, and shown back as typed — through the
service on both databases, and through the Add More Information form in the console."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.customer_info import EmailItem, contact_info
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.screens.contact_info import ContactInfoScreen
from commcentre_tui.services.contact_info import save_contact_info
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.text import fold
from commcentre_tui.validation import normal_email
from tests.console.conftest import settle, settle_until, type_text
from tests.console.data import build


def stored(engine: Engine, contact_id: int) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT address, address_as_typed FROM contact_email WHERE contact_id = :c "
                    "ORDER BY id"
                ),
                {"c": contact_id},
            )
        ]


def test_normal_form_puts_the_domain_through_idna() -> None:
    assert normal_email(" info@Κύπρος.CY ") == "info@κύπρος.cy"
    assert normal_email("x@sub.xn--vxakceg6d.cy") == "x@sub.κύπρος.cy"
    assert normal_email("μαρία@Example.com") == "μαρία@example.com"
    assert normal_email("Eleni.K+bills@Example.COM") == "Eleni.K+bills@example.com"


def test_saved_in_normal_form_beside_what_was_typed(
    engine: Engine, settings: Settings, admin_actor: Actor
) -> None:
    k = build(engine)
    ctx = ServiceContext(engine, settings, admin_actor)
    info = contact_info(engine, k.contact_id)
    saved = save_contact_info(
        ctx,
        k.contact_id,
        info.version,
        phones=list(info.phones),
        emails=[
            EmailItem(None, "work", " info@Κύπρος.CY "),
            EmailItem(None, "personal", "μαρία@example.com"),
        ],
        addresses=list(info.addresses),
    )
    assert stored(engine, k.contact_id) == [
        ("info@κύπρος.cy", "info@Κύπρος.CY"),
        ("μαρία@example.com", None),
    ]
    # The form shows them back as typed; saving them unchanged changes nothing stored.
    assert [e.address for e in saved.emails] == ["info@Κύπρος.CY", "μαρία@example.com"]
    save_contact_info(
        ctx,
        k.contact_id,
        saved.version,
        phones=list(saved.phones),
        emails=list(saved.emails),
        addresses=list(saved.addresses),
    )
    assert stored(engine, k.contact_id)[0] == ("info@κύπρος.cy", "info@Κύπρος.CY")
    # The search finds it by either spelling of the domain (the folded form).
    with engine.connect() as conn:
        norm = conn.execute(
            text("SELECT address_norm FROM contact_email WHERE address = 'info@κύπρος.cy'")
        ).scalar_one()
    assert norm == fold("INFO@ΚΎΠΡΟΣ.CY") == fold("info@Κύπρος.CY")
    with pytest.raises(ValidationFailed) as refused:
        save_contact_info(
            ctx,
            k.contact_id,
            saved.version + 1,
            phones=list(saved.phones),
            emails=[EmailItem(None, "work", "info@κύπρος")],
            addresses=list(saved.addresses),
        )
    assert "is not a valid email address" in str(refused.value.errors)


async def test_typed_in_the_add_more_information_form(make_app, demo_engine: Engine) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await type_text(pilot, "C0000002")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle_until(pilot, lambda a: isinstance(a.screen, ContactInfoScreen), "the form")
        contact_id = app.screen.info.contact_id
        await pilot.click("#add-emails")
        await pilot.pause()
        await type_text(pilot, "Info@Κύπρος.CY")
        await pilot.press("ctrl+s")
        await settle_until(pilot, lambda a: not isinstance(a.screen, ContactInfoScreen), "saved")
        assert ("info@κύπρος.cy", "Info@Κύπρος.CY") in stored(demo_engine, contact_id)
        await pilot.press("ctrl+o")
        await settle_until(pilot, lambda a: isinstance(a.screen, ContactInfoScreen), "again")
        shown = [row.query_one(".field-address").value for row in app.screen.rows("emails")]
        assert "Info@Κύπρος.CY" in shown
