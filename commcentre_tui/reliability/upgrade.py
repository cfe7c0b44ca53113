"""Scenario 7: a database of the previous release upgrades to head with its data intact.

:func:`run_upgrade` migrates an empty database to ``from_revision`` (default: the revision
before head), fills it — the demo data set, plus a few hand-picked rows written through exactly
the columns that exist at that revision (:func:`add_pinned_rows`: Greek and apostrophe names,
the largest and a negative money amount, a phone in E.164, communications in each delivery state
and a follow-up) — takes a raw snapshot of every table, upgrades to head and checks:

* every table, column and row of the old schema is still there with the same raw value (row
  counts, money, phones, communications — everything);
* the head code reads the hand-picked rows back exactly (money as Decimal, names, phones,
  communication states and links), Quick Search finds them, and every demo account's balance
  still equals its ledger; the schema is current.

The demo seeder writes today's models, so it fits the revision before head as long as the
newer migrations add no column it fills; if one does, seed the old revision through
:func:`add_pinned_rows`-style inserts instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, MetaData, column, insert, inspect, select, text
from sqlalchemy import table as sa_table
from sqlmodel import col

from commcentre_tui import models as m
from commcentre_tui.config import Settings
from commcentre_tui.models.crm import contact_shadow
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.migrate import (
    SEARCH_INDEX_PREFIX,
    alembic_config,
    check_current,
    current_revision,
    head_revision,
    upgrade,
)

RELEASED = "0002"
"""The released head when this scenario was written."""
PINNED = "UPG"
NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
PINNED_CONTACTS = (
    ("Γιώργος", "Ιωάννου", "+35799123456", "giorgos@example.com", Decimal("999999999999.99")),
    ("Siobhán", "O'Brien-Müller", "+35722987654", "siobhan@example.com", Decimal("-12.34")),
)


def previous_revision() -> str:
    """The revision before head (the previous release's head once head is released)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    down = script.get_revision(head_revision()).down_revision
    assert isinstance(down, str), "head has no single previous revision"
    return down


@dataclass
class UpgradeReport:
    backend: str
    from_revision: str
    to_revision: str = ""
    tables: int = 0
    rows: int = 0
    violations: list[str] = field(default_factory=list)


def add_pinned_rows(engine: Engine) -> None:
    """Insert the hand-picked rows through the columns the database has *now* (its revision)."""
    existing = MetaData()
    existing.reflect(engine)

    def put(conn: Any, model: Any, row: dict[str, Any]) -> int:
        have = set(existing.tables[model.__table__.name].columns.keys())
        unknown = set(row) - have
        assert not unknown, f"{model.__table__.name} has no {unknown} at this revision"
        # Today's column types, but only the columns there are now (today's defaults stay out).
        table = sa_table(
            model.__table__.name,
            *(column(c.name, c.type) for c in model.__table__.columns if c.name in have),
        )
        new_id: int = conn.execute(insert(table).values(row).returning(table.c.id)).scalar_one()
        return new_id

    stamp = {"created_at": NOW, "version": 1}
    with engine.begin() as conn:
        for i, (first, last, phone, email, balance) in enumerate(PINNED_CONTACTS, 1):
            contact = put(
                conn,
                m.Contact,
                {
                    "kind": "person",
                    "first_name": first,
                    "last_name": last,
                    "customer_number": f"{PINNED}{i:07d}",
                    "preferred_language": "el",
                    "email_opt_out": False,
                    "sms_opt_out": False,
                    "phone_opt_out": False,
                    "letter_opt_out": False,
                    "custom_fields": {},
                    "id_number_norm": "",
                    "updated_at": NOW,
                    **contact_shadow(first, last, None),
                    **stamp,
                },
            )
            put(
                conn,
                m.ContactPhone,
                {
                    "contact_id": contact,
                    "kind": "mobile",
                    "number": phone[4:],
                    "e164": phone,
                    "is_primary": True,
                },
            )
            put(
                conn,
                m.ContactEmail,
                {
                    "contact_id": contact,
                    "kind": "personal",
                    "address": email,
                    "address_norm": email,
                    "is_primary": True,
                },
            )
            account = put(
                conn,
                m.Account,
                {
                    "contact_id": contact,
                    "number": f"{PINNED}A{i:07d}",
                    "name": f"{first} {last}",
                    "currency": "EUR",
                    "balance": balance,
                    "credit_limit": Decimal("0.01"),
                    "payment_terms_days": 30,
                    "billing_address": "",
                    "status": "active",
                    **stamp,
                },
            )
            bill = put(
                conn,
                m.Bill,
                {
                    "account_id": account,
                    "number": f"{PINNED}B{i:07d}",
                    "period_start": NOW.date(),
                    "period_end": NOW.date(),
                    "bill_date": NOW.date(),
                    "due_date": NOW.date(),
                    "previous_balance": Decimal("0.00"),
                    "subtotal": Decimal("38.57"),
                    "tax": Decimal("7.33"),
                    "amount": Decimal("45.90"),
                    "paid_amount": Decimal("20.01"),
                    "status": "partly_paid",
                    **stamp,
                },
            )
            put(
                conn,
                m.Payment,
                {
                    "account_id": account,
                    "bill_id": bill,
                    "number": f"{PINNED}P{i:07d}",
                    "amount": Decimal("20.01"),
                    "method": "card",
                    "reference": "ΑΒΓ",
                    "received_at": NOW,
                },
            )
            previous = None
            for state, delivery in (
                ("completed", "sent"),
                ("completed", "queued"),
                ("draft", None),
            ):
                comm = put(
                    conn,
                    m.Communication,
                    {
                        "contact_id": contact,
                        "direction": "outgoing",
                        "media": "email",
                        "category": "General",
                        "subject": f"{PINNED} {first} {state} {delivery}",
                        "content": "Καλημέρα,\n€ 45.90",
                        "recipient": email,
                        "state": state,
                        "delivery": delivery,
                        "attempts": int(delivery == "sent"),
                        "shared_notes": "",
                        "visibility": "public",
                        "follow_up_of_id": previous,
                        **stamp,
                    },
                )
                if delivery:
                    put(
                        conn,
                        m.CommunicationQueue,
                        {
                            "communication_id": comm,
                            "status": delivery,
                            "attempts": int(delivery == "sent"),
                            "next_attempt_at": NOW,
                            "created_at": NOW,
                        },
                    )
                previous = comm


def snapshot(engine: Engine) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table's columns and raw rows (ordered), search-index tables and Alembic's excepted."""
    out = {}
    inspector = inspect(engine)
    with engine.connect() as conn:
        for table in sorted(inspector.get_table_names()):
            if table == "alembic_version" or table.startswith(SEARCH_INDEX_PREFIX):
                continue
            columns = [c["name"] for c in inspector.get_columns(table)]
            order = inspector.get_pk_constraint(table).get("constrained_columns") or columns
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = conn.execute(
                text(
                    f'SELECT {quoted} FROM "{table}" ORDER BY ' + ", ".join(f'"{c}"' for c in order)
                )
            ).all()
            out[table] = (columns, [tuple(r) for r in rows])
    return out


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Sentences for every table, column or value of ``before`` that ``after`` lost or changed."""
    problems = []
    for table, (columns, rows) in before.items():
        if table not in after:
            problems.append(f"Table {table} is gone.")
            continue
        new_columns, new_rows = after[table]
        lost = [c for c in columns if c not in new_columns]
        if lost:
            problems.append(f"Table {table} lost columns {lost}.")
            continue
        pick = [new_columns.index(c) for c in columns]
        projected = [tuple(r[i] for i in pick) for r in new_rows]
        if len(projected) != len(rows):
            problems.append(f"Table {table} had {len(rows)} rows and has {len(projected)}.")
        elif projected != rows:
            changed = sum(1 for a, b in zip(rows, projected, strict=True) if a != b)
            problems.append(f"Table {table}: {changed} rows changed value.")
    return problems


def run_upgrade(
    engine: Engine, settings: Settings, *, from_revision: str | None = None
) -> UpgradeReport:
    """Create ``from_revision`` (default: the one before head), fill it, upgrade, verify."""
    from commcentre_tui.services.demo import seed_demo

    start = from_revision or previous_revision()
    report = UpgradeReport(engine.dialect.name, start)
    upgrade(engine, start)
    seed_demo(engine, settings, now=NOW)
    add_pinned_rows(engine)
    before = snapshot(engine)
    upgrade(engine)
    report.to_revision = current_revision(engine) or ""
    after = snapshot(engine)
    report.tables, report.rows = len(before), sum(len(rows) for _c, rows in before.values())
    report.violations += compare(before, after)
    try:
        check_current(engine)
    except Exception as exc:  # noqa: BLE001 - reported
        report.violations.append(f"After the upgrade the schema is not current: {exc}")
    report.violations += _read_back(engine, settings)
    return report


def _read_back(engine: Engine, settings: Settings) -> list[str]:
    """The head code reads the pinned rows exactly, finds them, and the demo books add up."""
    from commcentre_tui.repo.finance_queries import ledger_balance
    from commcentre_tui.repo.search.api import Condition, search_contacts

    problems = []
    with reading(engine) as session:
        for i, (first, last, phone, email, balance) in enumerate(PINNED_CONTACTS, 1):
            number = f"{PINNED}{i:07d}"
            contact = session.execute(
                select(m.Contact).where(col(m.Contact.customer_number) == number)
            ).scalar_one()
            account = session.execute(
                select(m.Account).where(col(m.Account.contact_id) == contact.id)
            ).scalar_one()
            bill = session.execute(
                select(m.Bill).where(col(m.Bill.account_id) == account.id)
            ).scalar_one()
            phones = [
                p.e164
                for p in session.execute(
                    select(m.ContactPhone).where(col(m.ContactPhone.contact_id) == contact.id)
                ).scalars()
            ]
            emails = [
                e.address
                for e in session.execute(
                    select(m.ContactEmail).where(col(m.ContactEmail.contact_id) == contact.id)
                ).scalars()
            ]
            comms = (
                session.execute(
                    select(m.Communication)
                    .where(col(m.Communication.contact_id) == contact.id)
                    .order_by(col(m.Communication.id))
                )
                .scalars()
                .all()
            )
            got = (
                (contact.first_name, contact.last_name),
                account.balance,
                (bill.amount, bill.paid_amount),
                phones,
                emails,
                [(c.state, c.delivery, c.content) for c in comms],
                [c.follow_up_of_id for c in comms],
            )
            want = (
                (first, last),
                balance,
                (Decimal("45.90"), Decimal("20.01")),
                [phone],
                [email],
                [
                    ("completed", "sent", "Καλημέρα,\n€ 45.90"),
                    ("completed", "queued", "Καλημέρα,\n€ 45.90"),
                    ("draft", None, "Καλημέρα,\n€ 45.90"),
                ],
                [None, comms[0].id if comms else None, comms[1].id if len(comms) > 1 else None],
            )
            if got != want:
                problems.append(f"Customer {number} reads back as {got}, not {want}.")
            for value in (phone, number):
                hits = search_contacts(engine, settings, [Condition("any", "=", value)]).hits
                if contact.id not in {h.contact_id for h in hits}:
                    problems.append(f"Quick Search for {value} no longer finds customer {number}.")
        accounts = session.execute(
            select(col(m.Account.id), col(m.Account.number), col(m.Account.balance)).where(
                col(m.Account.number).not_like(f"{PINNED}%")
            )
        ).all()
        unequal = [n for aid, n, bal in accounts if bal != ledger_balance(session, aid)]
        if unequal:
            problems.append(
                f"{len(unequal)} demo accounts' balances differ from their ledgers, e.g. {unequal[:3]}."
            )
    return problems
