"""The communications benchmarks' own customers: overdue contacts bulk-inserted (email, mobile,
account, subscription, overdue bill), counted, and removed afterwards with what was queued."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, func, select

from commcentre_tui.models import (
    Account,
    Bill,
    Communication,
    CommunicationQueue,
    Contact,
    ContactEmail,
    ContactPhone,
    Subscription,
)
from commcentre_tui.models.crm import contact_shadow
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import backend_name, reading, transaction

BENCH_PREFIX = "ZB"
"""Customer/account/bill numbers of the bench's own data (removed afterwards)."""


def _table(model: Any) -> Any:
    return model.__table__


def count_contacts(engine: Engine) -> int:
    with reading(engine) as session:
        return int(session.execute(select(func.count()).select_from(_table(Contact))).scalar_one())


def max_id(engine: Engine, model: Any) -> int:
    with reading(engine) as session:
        return int(
            session.execute(select(func.coalesce(func.max(_table(model).c.id), 0))).scalar_one()
        )


def add_overdue_contacts(engine: Engine, count: int, *, chunk: int = 5000) -> tuple[int, int]:
    """Bulk-insert ``count`` contacts each with an email, a mobile, an account, a subscription and
    an unpaid bill past due. Returns the contact id range (first, last) for clean-up."""
    today = utcnow().date()
    now = utcnow()
    first_contact = max_id(engine, Contact) + 1
    ids = {m: max_id(engine, m) + 1 for m in (Account, Subscription, Bill)}
    for start in range(0, count, chunk):
        n = min(chunk, count - start)
        cids = range(first_contact + start, first_contact + start + n)
        contacts: list[Any]
        contacts, emails, phones, accounts, subs, bills = [], [], [], [], [], []
        for k, cid in enumerate(cids):
            i = start + k
            first, last = f"Name{i % 997}", f"Surname{i % 1499}"
            contacts.append(
                {
                    "id": cid,
                    "kind": "person",
                    "first_name": first,
                    "last_name": last,
                    "customer_number": f"{BENCH_PREFIX}{cid:09d}",
                    "preferred_language": "el" if i % 10 == 0 else "en",
                    "email_opt_out": False,
                    "sms_opt_out": i % 50 == 0,
                    "phone_opt_out": False,
                    "letter_opt_out": False,
                    "custom_fields": {},
                    "id_number_norm": "",
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                    **contact_shadow(first, last, None),
                }
            )
            emails.append(
                {
                    "contact_id": cid,
                    "kind": "personal",
                    "address": f"c{cid}@bench.example",
                    "address_norm": f"c{cid}@bench.example",
                    "is_primary": True,
                }
            )
            phone = f"+3579{cid % 10_000_000:07d}"
            phones.append(
                {
                    "contact_id": cid,
                    "kind": "mobile",
                    "number": phone,
                    "e164": phone,
                    "is_primary": True,
                }
            )
            aid, sid, bid = ids[Account] + i, ids[Subscription] + i, ids[Bill] + i
            accounts.append(
                {
                    "id": aid,
                    "contact_id": cid,
                    "number": f"{BENCH_PREFIX}A{aid:09d}",
                    "name": "",
                    "currency": "EUR",
                    "balance": Decimal("45.90"),
                    "credit_limit": Decimal(0),
                    "payment_terms_days": 30,
                    "billing_address": "",
                    "status": "active",
                    "created_at": now,
                    "version": 1,
                }
            )
            subs.append(
                {
                    "id": sid,
                    "account_id": aid,
                    "number": f"{BENCH_PREFIX}S{sid:09d}",
                    "status": "active",
                    "start_date": today - timedelta(days=120),
                    "created_at": now,
                    "version": 1,
                }
            )
            bills.append(
                {
                    "id": bid,
                    "account_id": aid,
                    "subscription_id": sid,
                    "number": f"{BENCH_PREFIX}B{bid:09d}",
                    "period_start": today - timedelta(days=60),
                    "period_end": today - timedelta(days=31),
                    "bill_date": today - timedelta(days=30),
                    "due_date": today - timedelta(days=5),
                    "previous_balance": Decimal(0),
                    "subtotal": Decimal("38.57"),
                    "tax": Decimal("7.33"),
                    "amount": Decimal("45.90"),
                    "paid_amount": Decimal(0),
                    "status": "unpaid",
                    "created_at": now,
                    "version": 1,
                }
            )
        with transaction(engine) as session:
            for model, rows in (
                (Contact, contacts),
                (ContactEmail, emails),
                (ContactPhone, phones),
                (Account, accounts),
                (Subscription, subs),
                (Bill, bills),
            ):
                session.execute(_table(model).insert(), rows)
    _fix_sequences(engine)
    _analyze(engine)
    return first_contact, first_contact + count - 1


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load (what any loader, or autovacuum later, does)."""
    tables = ("contact", "contact_email", "contact_phone", "account", "subscription", "bill")
    if backend_name(engine) == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    else:
        with engine.connect() as conn:
            for table in tables:
                conn.exec_driver_sql(f"ANALYZE {table}")


def _fix_sequences(engine: Engine) -> None:
    if backend_name(engine) != "postgresql":
        return
    with transaction(engine) as session:
        for table in ("contact", "account", "subscription", "bill"):
            session.connection().exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )


def remove_contacts(engine: Engine, first: int, last: int) -> None:
    """Remove the bench's contacts and everything hanging off them."""
    c, a = _table(Contact).c, _table(Account).c
    with transaction(engine) as session:
        accounts = select(a.id).where(a.contact_id.between(first, last))
        comms = select(_table(Communication).c.id).where(
            _table(Communication).c.contact_id.between(first, last)
        )
        session.execute(
            delete(_table(CommunicationQueue)).where(
                _table(CommunicationQueue).c.communication_id.in_(comms)
            )
        )
        session.execute(
            delete(_table(Communication)).where(
                _table(Communication).c.contact_id.between(first, last)
            )
        )
        session.execute(delete(_table(Bill)).where(_table(Bill).c.account_id.in_(accounts)))
        session.execute(
            delete(_table(Subscription)).where(_table(Subscription).c.account_id.in_(accounts))
        )
        session.execute(delete(_table(Account)).where(a.contact_id.between(first, last)))
        for model in (ContactEmail, ContactPhone):
            session.execute(
                delete(_table(model)).where(_table(model).c.contact_id.between(first, last))
            )
        session.execute(delete(_table(Contact)).where(c.id.between(first, last)))


def delete_communications_after(engine: Engine, before: int) -> None:
    """Delete the communications (and queue entries) with ids above ``before``.

    ``communication.follow_up_of_id`` has no index, so the foreign-key check of each deleted row
    scans the table (quadratic for 100,000 rows); the bench's own rows are never followed up, so
    that check is switched off for this clean-up (SQLite: ``foreign_keys=OFF``; PostgreSQL:
    ``session_replication_role = replica`` when the role may, else the slow path).
    """
    if backend_name(engine) == "sqlite":
        raw = engine.raw_connection()
        cursor = raw.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("BEGIN IMMEDIATE")
            try:
                cursor.execute(
                    "DELETE FROM communication_queue WHERE communication_id > ?", (before,)
                )
                cursor.execute("DELETE FROM communication WHERE id > ?", (before,))
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
        finally:
            cursor.execute("PRAGMA foreign_keys=ON")
            raw.close()
        return
    with transaction(engine) as session:
        conn = session.connection()
        if conn.exec_driver_sql(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).scalar():
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql(
            "DELETE FROM communication_queue WHERE communication_id > %(b)s", {"b": before}
        )
        conn.exec_driver_sql("DELETE FROM communication WHERE id > %(b)s", {"b": before})
