"""Communications benchmarks: ``comms.bulk_queue`` and ``comms.smtp_delivery``.

* ``comms.bulk_queue`` — overdue reminders (the shipped SMS template "Overdue reminder") for
  100,000 overdue customers (the database is topped up with bench customers as needed, and they
  are removed afterwards), rendered and queued by ``comms.notify``; messages/s (goal ≥ 15,000/s)
  and ``cpu_s``, the process's CPU seconds (the database server's are not in it), which a busy
  shared machine disturbs less than the wall clock.
* ``comms.smtp_delivery`` — the worker delivering M emails to a loopback SMTP server running
  in another process; messages/s (goal ≥ 500/s, connection reuse).

Each case prepares its own data (bulk inserts, not timed), measures, and removes what it added,
so it can run against a seeded database (``commcentre bench --case 'comms.*'``). Standalone:
``python -m commcentre_tui.bench.comms --database URL [--messages N] [--emails M]``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, func, select

from commcentre_tui.bench.registry import BenchContext, case
from commcentre_tui.bench.smtp_protocol import AcceptingSmtp
from commcentre_tui.config import Settings
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
from commcentre_tui.repo.permissions import SYSTEM

CASES = ("comms.bulk_queue", "comms.smtp_delivery")
BULK_MESSAGES = 100_000
DELIVERY_EMAILS = 10_000
TEMPLATE = "Overdue reminder"
BENCH_PREFIX = "ZB"
"""Customer/account/bill numbers of the bench's own data (removed afterwards)."""


def _table(model: Any) -> Any:
    return model.__table__


def _count_contacts(engine: Engine) -> int:
    with reading(engine) as session:
        return int(session.execute(select(func.count()).select_from(_table(Contact))).scalar_one())


def _max_id(engine: Engine, model: Any) -> int:
    with reading(engine) as session:
        return int(
            session.execute(select(func.coalesce(func.max(_table(model).c.id), 0))).scalar_one()
        )


def add_overdue_contacts(engine: Engine, count: int, *, chunk: int = 5000) -> tuple[int, int]:
    """Bulk-insert ``count`` contacts each with an email, a mobile, an account, a subscription and
    an unpaid bill past due. Returns the contact id range (first, last) for clean-up."""
    today = utcnow().date()
    now = utcnow()
    first_contact = _max_id(engine, Contact) + 1
    ids = {m: _max_id(engine, m) + 1 for m in (Account, Subscription, Bill)}
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


def _ensure_templates(engine: Engine) -> None:
    from commcentre_tui.comms.templates import install_default_templates

    with transaction(engine) as session:
        install_default_templates(session)


def _overdue_count(engine: Engine) -> int:
    from commcentre_tui.comms.segments import segment_keys

    with reading(engine) as session:
        return len(segment_keys(session, "overdue", today=utcnow().date()))


def bulk_queue(
    engine: Engine, settings: Settings, *, messages: int = BULK_MESSAGES
) -> dict[str, Any]:
    """``comms.bulk_queue``: render and queue an overdue reminder for every overdue customer,
    after topping the database up to ``messages`` overdue customers (removed afterwards)."""
    from commcentre_tui.comms.notify import notify

    _ensure_templates(engine)
    added = max(0, messages - _overdue_count(engine))
    first, last = add_overdue_contacts(engine, added) if added else (0, -1)
    before = _max_id(engine, Communication)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        report = notify(engine, settings, SYSTEM, template=TEMPLATE, segment="overdue")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        delete_communications_after(engine, before)
        if added:
            remove_contacts(engine, first, last)
    return {
        "n": report.matched,
        "per_s": round(report.matched / seconds, 1),
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "queued": report.queued,
        "opted_out": report.opted_out,
    }


@case("comms.bulk_queue", "100,000 overdue SMS reminders rendered and queued (messages/s)")
def bulk_queue_case(ctx: BenchContext) -> dict[str, Any]:
    return bulk_queue(ctx.engine, ctx.settings)


# --- the loopback SMTP server (another process, so it does not share our CPU time) ----------


class _SinkProtocol(AcceptingSmtp):
    """Counts the accepted messages (one sink process per run)."""

    greeting = b"bench-sink"
    received = 0

    def on_message(self, message: bytes) -> None:
        _SinkProtocol.received += 1


def _sink_process(ready: Any, stop: Any, result: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_SinkProtocol, "127.0.0.1", 0)
        ready.send(server.sockets[0].getsockname()[1])
        await loop.run_in_executor(None, stop.wait)
        server.close()
        result.value = _SinkProtocol.received

    asyncio.run(main())


def smtp_delivery(
    engine: Engine,
    settings: Settings,
    *,
    emails: int = DELIVERY_EMAILS,
    concurrency: int | None = None,
) -> dict[str, Any]:
    """``comms.smtp_delivery``: the worker delivers ``emails`` queued emails to a loopback server."""
    from commcentre_tui.comms.outbox import enqueue, insert_communications
    from commcentre_tui.comms.worker import DEFAULT_CONCURRENCY, DeliveryWorker

    mp = multiprocessing.get_context("spawn")
    parent, child = mp.Pipe()
    stop, received = mp.Event(), mp.Value("i", 0)
    sink = mp.Process(target=_sink_process, args=(child, stop, received), daemon=True)
    sink.start()
    first, last = add_overdue_contacts(engine, 1)
    before = _max_id(engine, Communication)
    try:
        port = parent.recv()
        now = utcnow()
        rows = [
            {
                "contact_id": first,
                "direction": "outgoing",
                "media": "email",
                "category": "Notification",
                "subject": f"Bench message {i}",
                "content": f"Dear customer,\n\nThis is bench message {i}.\n",
                "recipient": f"c{first}@bench.example",
                "state": "completed",
                "delivery": "queued",
                "completed_at": now,
            }
            for i in range(emails)
        ]
        with transaction(engine) as session:
            enqueue(session, insert_communications(session, rows, now), now)
        run_settings = settings.model_copy(
            update={
                "email": settings.email.model_copy(
                    update={"host": "127.0.0.1", "port": port, "starttls": False, "username": ""}
                ),
                "worker": settings.worker.model_copy(update={"batch_size": 500}),
            }
        )
        worker = DeliveryWorker(
            engine, run_settings, name="bench", concurrency=concurrency or DEFAULT_CONCURRENCY
        )
        started = time.perf_counter()
        stats = asyncio.run(worker.run_once())
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        sink.join(30)
        delete_communications_after(engine, before)
        remove_contacts(engine, first, last)
    if received.value != stats.sent:
        raise RuntimeError(
            f"The SMTP sink received {received.value} messages but the worker sent {stats.sent}."
        )
    return {
        "n": stats.sent,
        "per_s": round(stats.sent / seconds, 1),
        "seconds": round(seconds, 2),
        "concurrency": worker.concurrency,
    }


@case(
    "comms.smtp_delivery",
    "The worker delivering 10,000 emails to a loopback SMTP server (messages/s)",
)
def smtp_delivery_case(ctx: BenchContext) -> dict[str, Any]:
    return smtp_delivery(ctx.engine, ctx.settings)


def main(argv: list[str] | None = None) -> int:
    """Run both cases against ``--database`` (a migrated database) and print JSON lines."""
    import argparse
    import json

    from commcentre_tui.config import load_settings
    from commcentre_tui.repo.db import make_engine

    parser = argparse.ArgumentParser(prog="python -m commcentre_tui.bench.comms")
    parser.add_argument("--database", required=True, metavar="URL")
    parser.add_argument("--messages", type=int, default=BULK_MESSAGES)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--case", choices=CASES, action="append")
    args = parser.parse_args(argv)
    settings = load_settings()
    engine = make_engine(args.database)
    try:
        for name in args.case or CASES:
            if name == "comms.bulk_queue":
                result = bulk_queue(engine, settings, messages=args.messages)
            else:
                result = smtp_delivery(engine, settings, emails=args.emails)
            print(
                json.dumps(
                    {
                        "case": name,
                        "backend": backend_name(engine),
                        "contacts": _count_contacts(engine),
                        **result,
                    }
                ),
                flush=True,
            )
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
