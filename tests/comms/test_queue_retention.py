"""Delivered entries leave the queue table after ``[worker] keep_sent_days`` (the worker prunes
them when idle); the communications and their delivery state stay, and nothing still to be
delivered is touched. Both backends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.models import Communication, CommunicationQueue
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading, transaction


def queue_rows(engine) -> dict[int, str]:
    with reading(engine) as session:
        rows = session.execute(
            select(CommunicationQueue.communication_id, CommunicationQueue.status)
        ).all()
    return dict(rows)


def test_the_worker_prunes_long_delivered_entries_only(
    engine, customer, smtp_sink, make_settings, queue_messages
) -> None:
    contact = customer(1)["contact"]
    settings = make_settings(smtp_port=smtp_sink.port, keep_sent_days=30)
    old = queue_messages(engine, contact, 3)
    assert asyncio.run(DeliveryWorker(engine, settings).run_once()).sent == 3
    with transaction(engine) as session:  # delivered 40 days ago
        session.execute(
            update(CommunicationQueue)
            .where(CommunicationQueue.communication_id.in_(old[:2]))
            .values(sent_at=utcnow() - timedelta(days=40))
        )
    waiting = queue_messages(engine, contact, 2)
    failing = make_settings(smtp_port=1, keep_sent_days=30, max_attempts=5)  # nothing listens
    asyncio.run(DeliveryWorker(engine, failing).run_once())

    rows = queue_rows(engine)
    assert set(rows) == {old[2], *waiting}  # the two old deliveries went; the rest stayed
    assert all(rows[cid] != "sent" for cid in waiting)
    with reading(engine) as session:
        delivered = (
            session.execute(select(Communication.delivery).where(Communication.id.in_(old)))
            .scalars()
            .all()
        )
    assert delivered == ["sent", "sent", "sent"]  # the communications keep their history


def test_keep_sent_days_zero_keeps_every_entry(
    engine, customer, smtp_sink, make_settings, queue_messages
) -> None:
    contact = customer(1)["contact"]
    settings = make_settings(smtp_port=smtp_sink.port, keep_sent_days=0)
    ids = queue_messages(engine, contact, 2)
    asyncio.run(DeliveryWorker(engine, settings).run_once())
    with transaction(engine) as session:
        session.execute(update(CommunicationQueue).values(sent_at=utcnow() - timedelta(days=400)))
    asyncio.run(DeliveryWorker(engine, settings).run_once())
    assert set(queue_rows(engine)) == set(ids)
