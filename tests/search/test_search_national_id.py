"""National ID, the worked example of a search field: stored as typed, found however it is
typed (spaces, dashes and case ignored), reached from "Any", and kept through migration 0013."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, insert, select

from commcentre_tui import models as m
from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.migrate import alembic_config, current_revision, head_revision, upgrade
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.search.api import Condition, search_contacts
from commcentre_tui.services.contacts import log_person
from commcentre_tui.services.context import ServiceContext


def person(
    ctx: ServiceContext,
    first: str,
    last: str,
    national_id: str | None = None,
    phone: str | None = None,
) -> int:
    """A person logged as an agent would (Log Person Information)."""
    data = {
        "first_name": first,
        "last_name": last,
        "national_id": national_id,
        "phones": [{"number": phone, "is_primary": True}] if phone else [],
    }
    return log_person(ctx, data).contact_id


def found(engine: Engine, settings: Settings, field: str, op: str, value: str) -> list[int]:
    mode = "quick" if field == "any" else "advanced"
    return [
        h.contact_id
        for h in search_contacts(
            engine, settings, [Condition(field, op, value)], mode=mode, limit=100
        ).hits
    ]


@pytest.fixture
def ctx(engine: Engine, settings: Settings, admin_actor: Actor) -> ServiceContext:
    return ServiceContext(engine, settings, admin_actor)


def test_found_however_it_is_typed(engine: Engine, settings: Settings, ctx: ServiceContext) -> None:
    digits = person(ctx, "Eleni", "Charalambous", "1234 5678")
    letters = person(ctx, "Petros", "Demetriou", "ab-123 456")
    person(ctx, "Nobody", "Withoutid")
    for typed in ("12345678", "1234-5678", " 1234 5678 ", "12.34.56.78"):
        assert found(engine, settings, "national_id", "=", typed) == [digits], typed
    for typed in ("AB123456", "ab 123456", "Ab-12-34-56"):
        assert found(engine, settings, "national_id", "=", typed) == [letters], typed
    assert found(engine, settings, "national_id", "like", "1234") == [digits]  # starts with
    assert found(engine, settings, "national_id", "like", "%56-78") == [digits]  # ends with
    assert found(engine, settings, "national_id", "like", "%B 12%") == [letters]  # contains
    assert found(engine, settings, "national_id", "=", "1234567") == []
    assert found(engine, settings, "national_id", "like", "%--%") == []  # nothing left to compare
    page = search_contacts(
        engine, settings, [Condition("national_id", "=", "ab123456")], mode="advanced"
    )
    assert page.hits[0].matched == {"national_id": "ab-123 456"}  # shown as it was typed


def test_any_sends_digits_and_letter_numbers_to_national_id(
    engine: Engine, settings: Settings, ctx: ServiceContext
) -> None:
    by_id = person(ctx, "Andreas", "Kyprianou", "99 123456")
    by_phone = person(ctx, "Maria", "Kyprianou", phone="99 123456")
    lettered = person(ctx, "Sofia", "Kyprianou", "K-778899")
    page = search_contacts(engine, settings, [Condition("any", "=", "99123456")])
    assert {h.contact_id: h.matched for h in page.hits} == {
        by_id: {"national_id": "99 123456"},
        by_phone: {"phone": "+35799123456"},
    }
    assert found(engine, settings, "any", "=", "k778899") == [lettered]
    assert found(engine, settings, "any", "like", "K-7788") == [lettered]
    # A name is still a name: Any does not look for "Kyprianou" among national IDs.
    assert len(found(engine, settings, "any", "like", "Kyprianou")) == 3
    # Not enabled for Quick Search: Any leaves it alone.
    quiet = settings.model_copy(deep=True)
    quiet.search.contact["national_id"].quick = False
    assert found(engine, quiet, "any", "=", "99123456") == [by_phone]


def test_log_person_refuses_a_national_id_with_no_letter_or_digit(
    engine: Engine, ctx: ServiceContext
) -> None:
    with pytest.raises(ValidationFailed, match="A national ID needs letters or digits"):
        person(ctx, "Odd", "Input", "--")
    with reading(engine) as session:
        assert (
            session.execute(select(m.Contact).where(m.Contact.last_name == "Input")).first() is None
        )


def test_migration_0013_goes_down_and_up_keeping_contacts_searchable(
    engine: Engine, settings: Settings, ctx: ServiceContext
) -> None:
    kept = person(ctx, "Christos", "Loizou", "5555 0001", phone="99 700001")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011")
    try:
        assert current_revision(engine) == "0011"
        with engine.begin() as conn:  # a contact written by the previous release
            contact = Table("contact", MetaData(), autoload_with=conn)
            assert "national_id" not in contact.c
            now = utcnow()
            older = conn.execute(
                insert(contact)
                .values(
                    kind="person",
                    first_name="Older",
                    last_name="Release",
                    customer_number="C9",
                    preferred_language="en",
                    email_opt_out=False,
                    sms_opt_out=False,
                    phone_opt_out=False,
                    letter_opt_out=False,
                    custom_fields={},
                    first_name_norm="older",
                    last_name_norm="release",
                    company_name_norm="",
                    id_number_norm="",
                    sort_name="release older",
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
                .returning(contact.c.id)
            ).scalar_one()
    finally:
        upgrade(engine)  # a failure here must not leave the session's database behind
    assert current_revision(engine) == head_revision()
    assert found(engine, settings, "last_name", "like", "%lease") == [older]
    assert found(engine, settings, "last_name", "like", "%oizo%") == [kept]
    assert found(engine, settings, "phone", "like", "%700001") == [kept]
    assert found(engine, settings, "national_id", "=", "55550001") == []  # dropped with its column
    with transaction(engine) as session:
        session.get(m.Contact, older).national_id = "x 42-42"
    assert found(engine, settings, "national_id", "like", "%4242") == [older]
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # the rebuilt full-text index agrees with its table
            conn.exec_driver_sql(
                "INSERT INTO contact_fts(contact_fts, rank) VALUES ('integrity-check', 1)"
            )
