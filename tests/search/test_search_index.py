"""The search indexes: migration 0002 from 0001, kept in step by triggers, suspend and rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, delete, insert, inspect, select, text

from commcentre_tui import models as m
from commcentre_tui.config import Settings
from commcentre_tui.models.crm import contact_shadow
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.migrate import alembic_config, current_revision, head_revision, upgrade
from commcentre_tui.repo.search import index as search_index
from commcentre_tui.repo.search import plan as search_plan
from commcentre_tui.repo.search.api import Condition, search_contacts

PLANS = ("candidates", "walk")


@contextmanager
def plan(name: str) -> Iterator[None]:
    old = search_plan.FORCE_STRATEGY
    search_plan.FORCE_STRATEGY = name
    try:
        yield
    finally:
        search_plan.FORCE_STRATEGY = old


def found(engine: Engine, settings: Settings, field: str, value: str) -> list[int]:
    """Ids found under every plan (they must agree)."""
    results = []
    for name in PLANS:
        with plan(name):
            page = search_contacts(engine, settings, [Condition(field, "like", value)], limit=100)
            results.append([h.contact_id for h in page.hits])
    assert all(r == results[0] for r in results), results
    return results[0]


def search_objects(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE name LIKE 'contact_fts%' OR name LIKE 'ix_search_%'"
            )
        else:
            rows = conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_search_%%'"
            )
        return {r[0] for r in rows}


def test_0002_upgrades_from_0001_and_indexes_existing_rows(
    engine: Engine, settings: Settings
) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    try:
        assert current_revision(engine) == "0001"
        assert search_objects(engine) == set()
        # A contact as 0001 stored it: the 0001 columns only (today's model has more).
        now = utcnow()
        with engine.begin() as conn:
            contact_0001 = Table("contact", MetaData(), autoload_with=conn)
            old_id = conn.execute(
                insert(contact_0001)
                .values(
                    kind="person",
                    first_name="Zacharias",
                    last_name="Kyprianou",
                    customer_number="C1",
                    preferred_language="en",
                    email_opt_out=False,
                    sms_opt_out=False,
                    phone_opt_out=False,
                    letter_opt_out=False,
                    custom_fields={},
                    first_name_norm="zacharias",
                    last_name_norm="kyprianou",
                    company_name_norm="",
                    id_number_norm="",
                    sort_name="kyprianou zacharias",
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
                .returning(contact_0001.c.id)
            ).scalar_one()
            conn.execute(
                insert(m.ContactPhone.__table__).values(  # type: ignore[attr-defined]
                    contact_id=old_id,
                    kind="mobile",
                    number="99 555111",
                    e164="+35799555111",
                    is_primary=False,
                )
            )
    finally:
        upgrade(engine)  # a failure here must not leave the session's database behind
    old = m.Contact(id=old_id)
    assert current_revision(engine) == head_revision()
    assert {"ix_search_contact_trgm", "ix_search_contact_sort"} <= search_objects(engine) or {
        "contact_fts",
        "contact_fts_phone",
        "ix_search_contact_walk",
    } <= search_objects(engine)
    assert found(engine, settings, "first_name", "%chari%") == [old.id]
    assert found(engine, settings, "phone", "%555111") == [old.id]
    assert "contact" in inspect(engine).get_table_names()


def test_triggers_keep_the_index_in_step(engine: Engine, settings: Settings) -> None:
    with transaction(engine) as session:
        a = m.Contact(customer_number="C1", first_name="Maria", last_name="Kyprianou")
        b = m.Contact(customer_number="C2", first_name="Eleni", last_name="Kyprianides")
        session.add_all([a, b])
        session.flush()
        session.add(m.ContactPhone(contact_id=a.id, number="99 123456", e164="+35799123456"))
        session.add(m.ContactEmail(contact_id=b.id, address="eleni@example.org"))
        a_id, b_id = a.id, b.id
    assert found(engine, settings, "last_name", "%prian%") == [b_id, a_id]
    with transaction(engine) as session:
        row = session.get(m.Contact, a_id)
        row.last_name = "Zorba"
        session.get(m.Contact, b_id).version = 5  # an update that leaves the names alone
    assert found(engine, settings, "last_name", "%prian%") == [b_id]
    assert found(engine, settings, "last_name", "%orba") == [a_id]
    assert found(engine, settings, "phone", "%123456") == [a_id]
    with transaction(engine) as session:
        phone = session.execute(
            select(m.ContactPhone).where(m.ContactPhone.contact_id == a_id)
        ).scalar_one()
        phone.e164 = "+35799777888"
    assert found(engine, settings, "phone", "%123456") == []
    assert found(engine, settings, "phone", "%777888") == [a_id]
    with transaction(engine) as session:
        session.execute(delete(m.ContactPhone).where(m.ContactPhone.contact_id == a_id))
        session.delete(session.get(m.Contact, a_id))
    assert found(engine, settings, "last_name", "%orba") == []
    assert found(engine, settings, "phone", "%777888") == []
    assert found(engine, settings, "email", "%@example.org") == [b_id]
    with engine.begin() as conn:  # the database's own ON DELETE CASCADE removes the email
        conn.execute(text("DELETE FROM contact WHERE id = :i"), {"i": b_id})
    assert found(engine, settings, "email", "%@example.org") == []
    assert found(engine, settings, "last_name", "%prian%") == []
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # every FTS index agrees with its table
            for spec in search_index.FTS_SPECS:
                conn.exec_driver_sql(
                    f"INSERT INTO {spec.name}({spec.name}, rank) VALUES ('integrity-check', 1)"
                )


def test_suspend_then_bulk_load_then_rebuild(engine: Engine, settings: Settings) -> None:
    with transaction(engine) as session:
        session.add(m.Contact(customer_number="C1", first_name="Before", last_name="Suspend"))
    with engine.begin() as conn:
        search_index.suspend(conn)
    assert not {"ix_search_contact_walk", "ix_search_contact_trgm"} & search_objects(engine)
    assert found(engine, settings, "last_name", "Susp") != []  # still searchable meanwhile
    rows = []
    for i in range(40):
        shadow = contact_shadow(f"Bulk{i}", "Loadedsson", None)
        rows.append(
            {"id": 100 + i, "cn": f"B{i:05d}", "f": f"Bulk{i}", "l": "Loadedsson", **shadow}
        )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contact (id, kind, first_name, last_name, customer_number, custom_fields, "
                "first_name_norm, last_name_norm, company_name_norm, id_number_norm, sort_name, "
                "preferred_language, email_opt_out, sms_opt_out, phone_opt_out, letter_opt_out, "
                "created_at, updated_at, version) VALUES (:id, 'person', :f, :l, :cn, '{}', "
                ":first_name_norm, :last_name_norm, :company_name_norm, '', :sort_name, 'en', "
                "false, false, false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            ),
            rows,
        )
        search_index.rebuild(conn)
    assert {"ix_search_contact_walk", "ix_search_contact_trgm"} & search_objects(engine)
    assert len(found(engine, settings, "last_name", "%dedss%")) == 40
    assert len(found(engine, settings, "first_name", "%ulk3")) == 1
    with transaction(engine) as session:  # the triggers are back
        session.add(m.Contact(customer_number="C2", first_name="After", last_name="Loadedsson"))
    assert len(found(engine, settings, "last_name", "%dedss%")) == 41


@pytest.mark.parametrize("hook", [search_index.suspend, search_index.rebuild])
def test_hooks_are_harmless_twice(engine: Engine, hook: object) -> None:
    for _ in range(2):
        with engine.begin() as conn:
            hook(conn)  # type: ignore[operator]
    with engine.begin() as conn:
        search_index.rebuild(conn)
