"""Worker faults with real processes: SIGKILL mid-batch, and two workers sharing PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from commcentre_tui import models as m
from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.models.types import utcnow
from commcentre_tui.reliability.worker_kill import add_contact as _contact
from commcentre_tui.reliability.worker_kill import database_url as _url
from commcentre_tui.repo.db import make_engine, reading, transaction
from commcentre_tui.repo.outbox_writes import enqueue, insert_communications

pytestmark = pytest.mark.reliability
WAIT = 90.0
REPO = Path(__file__).resolve().parents[2]


def test_worker_killed_mid_batch_restart_delivers_the_rest_exactly_once(
    engine, customer, sink_factory, make_settings, queue_messages
) -> None:
    ids = queue_messages(engine, customer(1)["contact"], 12)
    # Four messages in flight at a time. The server takes the 5th message and then hangs before
    # saying "250 OK": the worker is killed while it waits, so the second four were handed over
    # but never recorded as sent.
    sink = sink_factory(hold_at=5)
    env = {
        **os.environ,
        "COMMCENTRE_CONFIG": str(REPO / "tests" / "config.test.toml"),
        "COMMCENTRE_EMAIL__HOST": "127.0.0.1",
        "COMMCENTRE_EMAIL__PORT": str(sink.port),
        "COMMCENTRE_WORKER__BATCH_SIZE": "8",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "commcentre_tui",
            "worker",
            "--concurrency",
            "4",
            "--database",
            _url(engine),
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert sink.held.wait(WAIT), "the worker never reached the 5th message"
        proc.send_signal(signal.SIGKILL)
        proc.wait(WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    sink.release()
    settings = make_settings(smtp_port=sink.port)
    clock = utcnow
    if engine.dialect.name == "postgresql":  # leases of the dead worker must expire first
        clock = lambda: utcnow() + timedelta(seconds=settings.worker.lease_seconds + 1)  # noqa: E731
    stats = asyncio.run(DeliveryWorker(engine, settings, clock=clock).run_once())

    received = sink.communication_ids()
    assert len(received) == len(set(received)), "a message arrived twice"
    in_flight = ids[4:8]  # the second window: attempts recorded, handed over, never settled
    others = [i for i in ids if i not in in_flight]
    assert set(others) <= set(received) and set(received) - set(others) <= set(in_flight)
    assert received[4] in in_flight  # the one the server held
    with reading(engine) as session:
        records = {c.id: c for c in session.execute(select(m.Communication)).scalars()}
        entries = {
            q.communication_id: q for q in session.execute(select(m.CommunicationQueue)).scalars()
        }
    assert stats.uncertain_after_crash == 4 and stats.sent == 4
    for i in in_flight:  # reported, never re-sent
        assert records[i].delivery == "failed" and records[i].last_error.startswith(
            "Delivery uncertain"
        )
    arrived = dict(zip(received, sink.message_ids(), strict=True))
    assert all(entries[i].message_id == arrived[i] for i in in_flight if i in arrived)
    assert all(records[i].delivery == "sent" for i in others)


def test_worker_command_finishes_and_exits_on_sigterm(
    sqlite_template: Path, tmp_path: Path, smtp_sink
) -> None:
    path = tmp_path / "worker.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    with transaction(engine) as session:
        contact = m.Contact(customer_number="C0000001", first_name="Maria")
        session.add(contact)
        session.flush()
        contact_id = contact.id
    now = utcnow()
    with transaction(engine) as session:
        enqueue(
            session,
            insert_communications(
                session,
                [
                    {
                        "contact_id": contact_id,
                        "direction": "outgoing",
                        "media": "email",
                        "subject": "S",
                        "content": "B",
                        "recipient": "maria@example.com",
                        "state": "completed",
                        "delivery": "queued",
                    }
                ],
                now,
            ),
            now,
        )
    engine.dispose()
    env = {
        **os.environ,
        "COMMCENTRE_CONFIG": str(REPO / "tests" / "config.test.toml"),
        "COMMCENTRE_EMAIL__PORT": str(smtp_sink.port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "commcentre_tui", "worker", "--database", f"sqlite:///{path}"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "delivering; stop with Ctrl+C" in proc.stderr.readline()
        assert smtp_sink.wait_for(1)
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert out.strip() == "Sent 1, failed 0, retries scheduled 0."


def test_two_workers_on_postgresql_never_deliver_twice(
    pg_engine, smtp_sink, make_settings, queue_messages
) -> None:
    contact = _contact(pg_engine)
    ids = queue_messages(pg_engine, contact, 1000)
    settings = make_settings(smtp_port=smtp_sink.port, batch_size=10)
    start = threading.Barrier(2)
    workers = [DeliveryWorker(pg_engine, settings, name=f"w{i}") for i in (1, 2)]
    errors: list[BaseException] = []

    def run(worker: DeliveryWorker) -> None:
        try:
            start.wait(WAIT)
            worker.run_blocking(once=True)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and not any(t.is_alive() for t in threads)
    received = smtp_sink.communication_ids()
    assert len(received) == 1000 and sorted(received) == ids
    assert len(set(smtp_sink.message_ids())) == 1000
    assert workers[0].stats.sent + workers[1].stats.sent == 1000
    assert workers[0].stats.sent > 0 and workers[1].stats.sent > 0
    with reading(pg_engine) as session:
        statuses = set(session.execute(select(m.CommunicationQueue.status)).scalars())
    assert statuses == {"sent"}
