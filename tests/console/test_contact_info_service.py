"""Add More Information (service): validation, one transaction, optimistic locking, audit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine, text

from commcentre_tui.config import Settings
from commcentre_tui.errors import Conflict, NotAllowed, ValidationFailed
from commcentre_tui.repo.customer_info import AddressItem, EmailItem, PhoneItem, contact_info
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.roles import RoleSettings
from commcentre_tui.services.contact_info import save_contact_info
from commcentre_tui.services.context import ServiceContext
from tests.console.data import build


@pytest.fixture
def ctx(engine: Engine, settings: Settings, admin_actor: Actor) -> ServiceContext:
    return ServiceContext(engine, settings, admin_actor)


def test_add_edit_and_remove_rows_in_one_save(ctx: ServiceContext, engine: Engine) -> None:
    k = build(engine)
    info = contact_info(engine, k.contact_id)
    home, mobile = info.phones
    saved = save_contact_info(
        ctx,
        k.contact_id,
        info.version,
        phones=[mobile, PhoneItem(None, "work", "+44 20 7946 0958")],  # home removed
        emails=[
            replace(info.emails[0], address="eleni.k@example.com"),
            EmailItem(None, "work", "  eleni@work.example.org "),
        ],
        addresses=[*info.addresses, AddressItem(None, "billing", "2 Side St", "Limassol")],
    )
    assert saved.version == info.version + 1
    assert [(p.number, p.e164, p.is_primary) for p in saved.phones] == [
        ("99 123456", "+35799123456", True),
        ("+44 20 7946 0958", "+442079460958", False),
    ]
    assert [e.address for e in saved.emails] == ["eleni.k@example.com", "eleni@work.example.org"]
    assert [a.city for a in saved.addresses] == ["Nicosia", "Limassol"]
    assert contact_info(engine, k.contact_id) == saved
    with engine.connect() as conn:
        entry = conn.execute(
            text("SELECT action, entity, entity_id, agent_id FROM audit_entry")
        ).one()
        norm = conn.execute(
            text("SELECT address_norm FROM contact_email WHERE address = 'eleni.k@example.com'")
        ).scalar_one()
    assert tuple(entry) == ("Add More Information", "contact", k.contact_id, ctx.actor.agent_id)
    assert norm == "eleni.k@example.com"


def test_every_problem_is_reported_beside_its_field_and_nothing_is_written(
    ctx: ServiceContext, engine: Engine
) -> None:
    k = build(engine)
    info = contact_info(engine, k.contact_id)
    with pytest.raises(ValidationFailed) as caught:
        save_contact_info(
            ctx,
            k.contact_id,
            info.version,
            phones=[
                *info.phones,
                PhoneItem(None, "mobile", "12"),
                PhoneItem(None, "mobile", "+357 99 123456"),
            ],
            emails=[
                EmailItem(None, "personal", "not-an-email"),
                EmailItem(None, "personal", "ELENI@example.com"),
                *info.emails,
            ],
            addresses=[
                AddressItem(None, "home", "", "Paphos"),
                AddressItem(None, "home", "", ""),
            ],  # blank new row: ignored
        )
    errors = caught.value.errors
    assert set(errors) == {
        "phones.2.number",
        "phones.3.number",
        "emails.0.address",
        "emails.2.address",
        "addresses.0.street",
    }
    assert "not a valid phone number for region CY" in errors["phones.2.number"]
    assert "already listed" in errors["phones.3.number"]
    assert "not a valid email address" in errors["emails.0.address"]
    assert "already listed" in errors["emails.2.address"]
    assert contact_info(engine, k.contact_id) == info


def test_two_main_rows_are_refused(ctx: ServiceContext, engine: Engine) -> None:
    k = build(engine)
    info = contact_info(engine, k.contact_id)
    phones = [replace(p, is_primary=True) for p in info.phones]
    with pytest.raises(ValidationFailed) as caught:
        save_contact_info(
            ctx,
            k.contact_id,
            info.version,
            phones=phones,
            emails=info.emails,
            addresses=info.addresses,
        )
    assert caught.value.errors == {"phones.main": "Only one of the phones can be the main one."}


def test_a_stale_version_is_a_conflict_not_an_overwrite(
    ctx: ServiceContext, engine: Engine
) -> None:
    k = build(engine)
    info = contact_info(engine, k.contact_id)
    first = save_contact_info(
        ctx,
        k.contact_id,
        info.version,
        phones=info.phones,
        emails=[*info.emails, EmailItem(None, "work", "a@example.com")],
        addresses=info.addresses,
    )
    with pytest.raises(Conflict, match="Another agent changed this customer"):
        save_contact_info(
            ctx,
            k.contact_id,
            info.version,
            phones=info.phones,
            emails=[EmailItem(None, "work", "b@example.com")],
            addresses=info.addresses,
        )
    assert contact_info(engine, k.contact_id) == first
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_entry")).scalar_one() == 1


def test_a_role_without_the_action_may_not(
    engine: Engine, settings: Settings, admin_actor: Actor
) -> None:
    k = build(engine)
    info = contact_info(engine, k.contact_id)
    viewer = replace(
        admin_actor, role_name="viewer", role=RoleSettings(default_level="view", actions=[])
    )
    with pytest.raises(NotAllowed):
        save_contact_info(
            ServiceContext(engine, settings, viewer),
            k.contact_id,
            info.version,
            phones=info.phones,
            emails=info.emails,
            addresses=info.addresses,
        )
