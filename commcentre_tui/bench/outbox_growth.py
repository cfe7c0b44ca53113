"""``comms.delivery_big_queue``: the worker's delivery rate when the queue table is already big.

A queue table only grows in production (sent rows stay, up to ``[worker] keep_sent_days``), so
delivery must not slow down with it. The case tops the queue table up with *sent* filler rows to
``COMMCENTRE_BENCH_QUEUE_ROWS`` (default 1,000,000; bulk inserts, not timed), then times the worker
delivering 10,000 emails to a loopback SMTP server, as ``comms.smtp_delivery`` does, and removes
the filler rows again. Between the fill and the timed run the database is brought to a steady
state (:func:`settle_after_fill`). Goal: ≥ 1,000 messages/s on both databases, flat from 10k to 1M rows.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlmodel import col

from commcentre_tui.bench.comms import smtp_delivery
from commcentre_tui.bench.comms_data import add_overdue_contacts, remove_contacts
from commcentre_tui.bench.registry import BenchContext, case
from commcentre_tui.models import Communication, CommunicationQueue
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading, transaction

FILLER_CATEGORY = "Bench filler"
CHUNK = 20_000


def queue_rows() -> int:
    """The queue table's size for the case (``COMMCENTRE_BENCH_QUEUE_ROWS``)."""
    return int(os.environ.get("COMMCENTRE_BENCH_QUEUE_ROWS", "1000000"))


def fill_queue(engine: Engine, contact_id: int, total: int) -> int:
    """Add sent communications and their sent queue rows until the queue table has ``total``
    rows; returns how many were added."""
    from commcentre_tui.repo.outbox_writes import (
        _QUEUE_COLUMNS,
        T_QUEUE,
        _db_value,
        bulk_insert,
        insert_communications,
    )

    with reading(engine) as session:
        have = session.execute(select(func.count()).select_from(CommunicationQueue)).scalar_one()
    missing = max(0, total - have)
    added = 0
    while added < missing:
        size = min(CHUNK, missing - added)
        now = utcnow()
        rows = [
            {
                "contact_id": contact_id,
                "direction": "outgoing",
                "media": "email",
                "category": FILLER_CATEGORY,
                "subject": "Sent long ago",
                "content": "Filler.",
                "recipient": "filler@bench.example",
                "state": "completed",
                "delivery": "sent",
                "completed_at": now,
                "sent_at": now,
            }
            for _ in range(size)
        ]
        with transaction(engine) as session:
            ids = insert_communications(session, rows, now)
            stamp = _db_value(session, T_QUEUE.c.created_at, now)
            bulk_insert(
                session, T_QUEUE, _QUEUE_COLUMNS, [(cid, "sent", 1, stamp, stamp) for cid in ids]
            )
        added += size
    return added


def settle_after_fill(engine: Engine) -> None:
    """Bring the database to the steady state a long-running one is in: SQLite's write-ahead log
    copied back into the database file, PostgreSQL's statistics and visibility map up to date (as
    autovacuum keeps them), so the timed run measures delivery, not the fill's aftermath."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE communication_queue")
            conn.exec_driver_sql("VACUUM ANALYZE communication")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def remove_filler(engine: Engine) -> None:
    filler = select(col(Communication.id)).where(col(Communication.category) == FILLER_CATEGORY)
    with transaction(engine) as session:
        session.execute(
            delete(CommunicationQueue).where(col(CommunicationQueue.communication_id).in_(filler))
        )
        session.execute(delete(Communication).where(col(Communication.category) == FILLER_CATEGORY))


@case(
    "comms.delivery_big_queue",
    "The worker delivering 10,000 emails with 1,000,000 sent rows already queued (messages/s)",
)
def delivery_big_queue_case(ctx: BenchContext) -> dict[str, Any]:
    total = queue_rows()
    first, last = add_overdue_contacts(ctx.engine, 1)
    try:
        fill_queue(ctx.engine, first, total)
        settle_after_fill(ctx.engine)
        with reading(ctx.engine) as session:
            size = session.execute(
                select(func.count()).select_from(CommunicationQueue)
            ).scalar_one()
        result = smtp_delivery(ctx.engine, ctx.settings)
    finally:
        remove_filler(ctx.engine)
        remove_contacts(ctx.engine, first, last)
    return {**result, "queue_rows": size}
