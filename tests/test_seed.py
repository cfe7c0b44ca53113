"""Demo data and bulk seeding: invariants, determinism, appending, shadows, ORM round trips."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import SQLModel

from commcentre_tui.models import (
    Account,
    Agent,
    Bill,
    Communication,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    Payment,
    Product,
    Task,
    Voucher,
)
from commcentre_tui.models.crm import address_shadow, contact_shadow
from commcentre_tui.repo.db import make_engine, reading, transaction
from commcentre_tui.repo.numbers import SERIES, next_number
from commcentre_tui.repo.seed import bulk
from commcentre_tui.repo.seed.bulk import seed_bulk, seed_bulk_with_progress
from commcentre_tui.repo.seed.columns import NUMBERED
from commcentre_tui.repo.seed.demo import demo_agents
from commcentre_tui.services.demo import seed_demo
from commcentre_tui.text import canon_number, fold, to_e164

NOW = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)

VIOLATIONS = {
    "account balance": """
        SELECT COUNT(*) FROM account a WHERE a.balance <>
          COALESCE((SELECT SUM(amount) FROM invoice WHERE account_id = a.id AND state = 'posted'), 0)
        + COALESCE((SELECT SUM(amount) FROM bill WHERE account_id = a.id), 0)
        - COALESCE((SELECT SUM(amount) FROM payment WHERE account_id = a.id), 0)
        - COALESCE((SELECT SUM(amount) FROM credit WHERE account_id = a.id), 0)""",
    "wallet balance": """
        SELECT COUNT(*) FROM wallet w WHERE w.balance <>
          COALESCE((SELECT SUM(amount) FROM wallet_transaction WHERE wallet_id = w.id), 0)""",
    "bill paid amount": """
        SELECT COUNT(*) FROM bill b WHERE b.paid_amount <>
          COALESCE((SELECT SUM(amount) FROM payment WHERE bill_id = b.id), 0)""",
    "bill status": """
        SELECT COUNT(*) FROM bill WHERE status <> CASE WHEN paid_amount = 0 THEN 'unpaid'
          WHEN paid_amount = amount THEN 'paid' ELSE 'partly_paid' END""",
    "bill total": "SELECT COUNT(*) FROM bill WHERE amount <> subtotal + tax",
    "bill lines": """
        SELECT COUNT(*) FROM bill b WHERE b.subtotal <>
          (SELECT SUM(amount) FROM bill_line WHERE bill_id = b.id)""",
    "reward points": """
        SELECT COUNT(*) FROM reward_participant p WHERE p.points <>
          COALESCE((SELECT SUM(points) FROM reward_award_transaction
                    WHERE participant_id = p.id AND state = 'posted'), 0)
        - COALESCE((SELECT SUM(points) FROM reward_spend_transaction
                    WHERE participant_id = p.id AND state = 'posted'), 0)""",
    "negative wallet": "SELECT COUNT(*) FROM wallet WHERE balance < 0",
    "negative points": "SELECT COUNT(*) FROM reward_participant WHERE points < 0",
    "comm without agent": "SELECT COUNT(*) FROM communication WHERE agent_id IS NULL",
}


def violations(engine: Engine) -> dict[str, int]:
    """Every broken invariant with how many rows break it (empty when all hold)."""
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for name, sql in VIOLATIONS.items():
            n = conn.execute(text(sql)).scalar_one()
            if n:
                found[name] = n
        for table in SQLModel.metadata.sorted_tables:  # the loader skips per-row FK checks
            for fk in table.foreign_keys:
                orphans = conn.exec_driver_sql(
                    f'SELECT COUNT(*) FROM "{table.name}" c WHERE c.{fk.parent.name} IS NOT NULL '
                    f'AND NOT EXISTS (SELECT 1 FROM "{fk.column.table.name}" p '
                    f"WHERE p.{fk.column.name} = c.{fk.parent.name})"
                ).scalar_one()
                if orphans:
                    found[f"{table.name}.{fk.parent.name}"] = orphans
        sequences = dict(conn.exec_driver_sql("SELECT name, next_value FROM number_sequence").all())
        for table, (series, column) in NUMBERED.items():
            highest = conn.exec_driver_sql(f'SELECT MAX("{column}") FROM "{table}"').scalar_one()
            if highest and int(highest[len(SERIES[series][0]) :]) >= sequences.get(series, 1):
                found[f"sequence {series}"] = 1
    return found


def count(engine: Engine, table: str, where: str = "") -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{table}" {where}').scalar_one()


def fresh_sqlite(template: Path, tmp_path: Path, name: str) -> Engine:
    path = tmp_path / name
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")


def people(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT c.customer_number, c.first_name, c.last_name, c.company_name, p.number, "
                "e.address FROM contact c JOIN contact_phone p ON p.contact_id = c.id AND p.is_primary "
                "LEFT JOIN contact_email e ON e.contact_id = c.id ORDER BY c.id"
            )
        ).all()


def test_demo_loads_a_consistent_data_set(engine: Engine, settings) -> None:
    summary = seed_demo(engine, settings, now=NOW)
    agents = demo_agents()
    assert summary == f"300 customers and {len(agents)} agents"
    assert violations(engine) == {}
    with reading(engine) as s:
        by_name = {a.username: a for a in s.execute(select(Agent)).scalars()}
        maria = by_name["maria"]
        assert (maria.role, maria.display_name, maria.unit, maria.extension) == (
            "agent",
            "Maria Georgiou",
            "Care",
            "1001",
        )
        assert (by_name["george"].role, by_name["george"].extension) == ("supervisor", "1002")
        assert (by_name["eleni"].role, by_name["eleni"].unit) == ("finance", "Finance")
        assert by_name["admin"].role == "admin"
        assert {a[0] for a in agents} <= set(by_name)
        names = set(s.execute(select(Product.name)).scalars())
        assert {"Installation", "Router Delivery", "Technician Visit"} <= names
        for agent in by_name.values():
            latest = (
                s.execute(
                    select(Communication)
                    .where(Communication.agent_id == agent.id)
                    .order_by(Communication.created_at.desc())
                )
                .scalars()
                .first()
            )
            assert latest is not None and NOW - latest.created_at < timedelta(days=7)
        states = set(s.execute(select(Voucher.state)).scalars())
        assert states == {"available", "sold", "used", "cancelled"}
        assert all(len(v) == 19 for v in s.execute(select(Voucher.secret_number)).scalars())
        soon = (
            s.execute(
                select(Task).where(Task.remind_at > NOW, Task.remind_at < NOW + timedelta(hours=2))
            )
            .scalars()
            .all()
        )
        assert len(soon) >= 10 and {t.reminded_at for t in soon} == {None}
    for table in (
        "wallet_transaction",
        "invoice",
        "credit",
        "activity_service",
        "job",
        "service_request",
        "lead",
        "follow_up",
        "reward_spend_transaction",
    ):
        assert count(engine, table) > 0, table
    assert count(engine, "reward_award_transaction", "WHERE state = 'cancelled'") > 0
    assert count(engine, "care_case", "WHERE status = 'open'") > 0
    assert count(engine, "contact", "WHERE kind = 'company'") >= 3
    assert count(engine, "communication", "WHERE delivery = 'failed'") > 0
    with engine.connect() as conn:
        for folded in ("maria", "muller", "o'brien", "ιωαννου"):
            found = conn.execute(
                text(
                    "SELECT COUNT(*) FROM contact WHERE first_name_norm = :n OR last_name_norm = :n"
                ),
                {"n": folded},
            ).scalar_one()
            assert found >= 1, folded


def test_seeded_rows_match_the_orm(engine: Engine, settings) -> None:
    """Shadow columns equal what the ORM events compute; money and times round-trip typed."""
    seed_demo(engine, settings, now=NOW)
    seed_bulk(engine, settings, contacts=60, seed=5)
    with reading(engine) as s:
        for c in s.execute(select(Contact)).scalars():
            expected = contact_shadow(c.first_name, c.last_name, c.company_name)
            assert {k: getattr(c, k) for k in expected} == expected
            assert c.id_number_norm == canon_number(c.id_number)
            assert c.created_at.tzinfo is not None and c.custom_fields == {}
        formats = set()
        for p in s.execute(select(ContactPhone)).scalars():
            assert p.e164 == to_e164(p.number, "CY")
            formats.add("".join("9" if ch.isdigit() else ch for ch in p.number))
        assert len(formats) >= 5
        for e in s.execute(select(ContactEmail)).scalars():
            assert e.address_norm == fold(e.address)
        for a in s.execute(select(ContactAddress)).scalars():
            assert {
                k: getattr(a, k)
                for k in ("street_norm", "city_norm", "postal_code_norm", "country_norm")
            } == address_shadow(a.street, a.city, a.postal_code, a.country)
        account = s.execute(select(Account).order_by(Account.balance.desc())).scalars().first()
        assert isinstance(account.balance, Decimal) and account.balance > 0
        assert account.balance == account.balance.quantize(Decimal("0.01"))
        bill = s.execute(select(Bill)).scalars().first()
        assert isinstance(bill.period_start, date) and bill.bill_date > bill.period_end
        assert isinstance(bill.amount, Decimal) and bill.created_at.tzinfo is not None
        payment = s.execute(select(Payment)).scalars().first()
        assert payment.received_at.tzinfo is not None and payment.amount > 0
        comm = s.execute(select(Communication).order_by(Communication.id.desc())).scalars().first()
        assert comm.created_at.tzinfo is not None and comm.created_at <= datetime.now(UTC)


def test_demo_is_deterministic(
    engine: Engine, settings, sqlite_template: Path, tmp_path: Path
) -> None:
    other = fresh_sqlite(sqlite_template, tmp_path, "again.db")
    try:
        seed_demo(engine, settings, now=NOW)
        seed_demo(other, settings, now=NOW)
        assert people(engine) == people(other)
        assert people(engine)[0][1:3] == ("María", "Hadjigeorgiou")
    finally:
        other.dispose()


def test_bulk_seed_appends_after_demo(
    engine: Engine, settings, sqlite_template: Path, tmp_path: Path
) -> None:
    seed_demo(engine, settings, now=NOW)
    before = {t: count(engine, t) for t in ("contact", "account", "bill", "communication")}
    calls: list[tuple[str, int, int]] = []
    result = seed_bulk(engine, settings, contacts=200, seed=7, progress=lambda *a: calls.append(a))
    assert result["contact"] == 200 and count(engine, "contact") == 500
    assert 240 <= result["account"] <= 360
    assert 190 <= result["subscription"] <= 290
    assert 900 <= result["bill"] <= 1500
    assert result["bill_line"] > result["bill"]
    assert 0.8 * result["bill"] <= result["payment"] <= 1.1 * result["bill"]
    assert 1700 <= result["communication"] <= 2300
    assert 200 <= result["contact_phone"] <= 400 and 150 <= result["contact_email"] <= 200
    assert ("load", 200, 200) in calls
    for table, n in before.items():
        assert count(engine, table) == n + result[table]
    assert violations(engine) == {}
    with engine.connect() as conn:
        first_new = conn.exec_driver_sql(
            "SELECT MIN(id), MIN(customer_number) FROM contact WHERE id > 300"
        ).one()
        assert first_new == (301, "C0000301")
        agents = conn.exec_driver_sql("SELECT COUNT(*) FROM agent").scalar_one()
        assert agents == len(demo_agents())  # bulk reuses existing agents
    # Ordinary inserts after the load get fresh numbers and ids on both engines.
    with transaction(engine) as s:
        number = next_number(s, "contact")
        contact = Contact(customer_number=number, first_name="New", last_name="Person")
        s.add(contact)
        s.flush()
        assert contact.id == 501 and number == "C0000501"
    # Same (contacts, seed) on the same starting point gives the same rows.
    other = fresh_sqlite(sqlite_template, tmp_path, "again.db")
    try:
        seed_demo(other, settings, now=NOW)
        seed_bulk(other, settings, contacts=200, seed=7)
        assert people(other) == people(engine)[:500]
    finally:
        other.dispose()


def test_big_load_rebuilds_indexes(
    engine: Engine, settings, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The index drop/rebuild path (taken for big loads) leaves every index in place."""

    def index_names() -> set[str]:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
            else:
                sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            return set(conn.exec_driver_sql(sql).scalars())

    before = index_names()
    monkeypatch.setattr(bulk, "DROP_INDEXES_FROM", 10)
    result = seed_bulk_with_progress(engine, settings, contacts=30, seed=2)
    assert index_names() == before
    assert violations(engine) == {}
    assert count(engine, "agent") == len(bulk.BULK_AGENTS)
    assert f"Seeded 30 contacts, {result['account']} accounts" in capsys.readouterr().out
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM contact WHERE last_name_norm >= 'a'"
        ).scalar_one()
    assert found > 0
