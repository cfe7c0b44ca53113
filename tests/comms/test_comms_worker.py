"""The delivery worker against real loopback servers: SMTP (aiosmtpd) and an HTTP SMS gateway."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from commcentre_tui import models as m
from commcentre_tui.cli import main
from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.comms.workerlock import SingleWorkerLock, WorkerBusy
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import make_engine, reading, transaction
from commcentre_tui.services import communications as svc

WAIT = 60.0


class SimulatedCrash(BaseException):
    """Raised from a worker hook: the process "dies" at that point (nothing is cleaned up)."""


def queued(engine: Engine) -> dict[int, m.CommunicationQueue]:
    with reading(engine) as session:
        return {
            q.communication_id: q for q in session.execute(select(m.CommunicationQueue)).scalars()
        }


def comms(engine: Engine) -> dict[int, m.Communication]:
    with reading(engine) as session:
        return {c.id: c for c in session.execute(select(m.Communication)).scalars()}


def later(engine: Engine, settings):
    """The clock of a worker started after the dead one's lease ran out (PostgreSQL waits for
    leases; on SQLite the worker lock proves the old worker is gone, so no wait is needed)."""
    if engine.dialect.name == "sqlite":
        return utcnow
    return lambda: utcnow() + timedelta(seconds=settings.worker.lease_seconds + 1)


def test_email_arrives_at_a_real_smtp_server(
    engine, ctx, customer, smtp_sink, make_settings
) -> None:
    ids = customer(1, first="María")
    comm = svc.create_communication(
        ctx,
        {
            "contact_id": ids["contact"],
            "media": "email",
            "category": "Billing",
            "subject": "Balance for {{ contact.first_name }}",
            "content": "Dear {{ contact.name }},\n.\nYour balance is {{ account.balance }} {{ account.currency }}.",
        },
    )
    settings = make_settings(smtp_port=smtp_sink.port)
    events = []
    stats = asyncio.run(DeliveryWorker(engine, settings, on_event=events.append).run_once())
    assert stats.sent == 1 and [e.status for e in events] == ["sent"]
    assert smtp_sink.wait_for(1)
    (mail,) = smtp_sink.messages
    entry = queued(engine)[comm.id]
    assert mail["From"] == "Care <care@commcentre.test>"
    assert mail["To"] == "customer1@example.com"
    assert mail["Subject"] == "Balance for María"
    assert mail["Message-ID"] == entry.message_id and entry.message_id.endswith("@commcentre.test>")
    assert (
        mail.get_content().replace("\r\n", "\n")
        == "Dear María Georgiou,\n.\nYour balance is 45.90 EUR.\n"
    )
    assert smtp_sink.envelopes == [("care@commcentre.test", ["customer1@example.com"])]
    record = comms(engine)[comm.id]
    assert (record.delivery, record.attempts, record.last_error) == ("sent", 1, None)
    assert record.sent_at is not None and entry.status == "sent"


def test_smtp_login_from_config_and_environment(
    engine, ctx, customer, sink_factory, make_settings, monkeypatch
) -> None:
    sink = sink_factory(credentials=("care", "s3cret"))
    ids = customer(1)
    comm = svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "email", "subject": "S", "content": "Body"}
    )
    monkeypatch.setenv("COMMCENTRE_EMAIL__PASSWORD", "wrong")
    settings = make_settings(smtp_port=sink.port, max_attempts=1)
    settings.email.username = "care"
    asyncio.run(DeliveryWorker(engine, settings).run_once())
    record = comms(engine)[comm.id]
    assert record.delivery == "failed" and "refused the login of 'care'" in record.last_error
    assert sink.messages == []
    monkeypatch.setenv("COMMCENTRE_EMAIL__PASSWORD", "s3cret")
    settings = make_settings(smtp_port=sink.port)
    settings.email.username = "care"
    svc.retry_delivery(ctx, comm.id)
    asyncio.run(DeliveryWorker(engine, settings).run_once())
    assert sink.logins == ["care"] and sink.communication_ids() == [comm.id]


def test_sms_reaches_the_http_gateway(
    engine, ctx, customer, sms_sink, make_settings, monkeypatch
) -> None:
    ids = customer(7)
    comm = svc.create_communication(
        ctx,
        {
            "contact_id": ids["contact"],
            "media": "sms",
            "content": "Hi {{ contact.first_name }}, your engineer comes at 10:00.",
        },
    )
    monkeypatch.setenv("COMMCENTRE_SMS__API_KEY", "k-123")
    stats = asyncio.run(DeliveryWorker(engine, make_settings(sms_url=sms_sink.url)).run_once())
    assert stats.sent == 1
    (request,) = sms_sink.requests
    entry = queued(engine)[comm.id]
    assert request["json"] == {
        "to": "+35799100007",
        "from": "CommCentre",
        "text": "Hi Maria, your engineer comes at 10:00.",
        "reference": entry.message_id,
    }
    assert request["headers"]["X-Api-Key"] == "k-123"
    assert comms(engine)[comm.id].delivery == "sent"


def test_smtp_down_retries_then_fails_with_the_reason_and_loses_nothing(
    engine, ctx, customer, make_settings, sink_factory
) -> None:
    ids = customer(1)
    comm = svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "email", "subject": "S", "content": "Body"}
    )
    events = []
    stats = asyncio.run(
        DeliveryWorker(engine, make_settings(max_attempts=3), on_event=events.append).run_once()
    )
    assert [e.status for e in events] == ["retry", "retry", "failed"]
    assert (stats.retried, stats.failed) == (2, 1)
    record, entry = comms(engine)[comm.id], queued(engine)[comm.id]
    assert (record.delivery, record.attempts, entry.status, entry.attempts) == (
        "failed",
        3,
        "failed",
        3,
    )
    assert record.last_error.startswith(
        "Gave up after 3 attempts: Could not connect to the mail server 127.0.0.1:1"
    )
    # Nothing lost: once the server is back, Retry delivers it.
    sink = sink_factory()
    svc.retry_delivery(ctx, comm.id)
    asyncio.run(DeliveryWorker(engine, make_settings(smtp_port=sink.port)).run_once())
    assert sink.communication_ids() == [comm.id]
    assert comms(engine)[comm.id].delivery == "sent"


def test_retries_back_off_exponentially(engine, ctx, customer, make_settings) -> None:
    ids = customer(1)
    comm = svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "email", "subject": "S", "content": "Body"}
    )
    settings = make_settings(backoff_seconds=30, max_attempts=5)
    now = utcnow()
    offsets: list[float] = []
    shift = timedelta(0)
    for _ in range(3):
        asyncio.run(DeliveryWorker(engine, settings, clock=lambda s=shift: now + s).run_once())
        entry = queued(engine)[comm.id]
        offsets.append((entry.next_attempt_at - (now + shift)).total_seconds())
        shift = entry.next_attempt_at - now  # the next run happens when the entry is due
    assert [round(x) for x in offsets] == [30, 60, 120]
    assert comms(engine)[comm.id].delivery == "queued" and queued(engine)[comm.id].attempts == 3


def test_refused_recipient_fails_at_once(engine, ctx, customer, smtp_sink, make_settings) -> None:
    ids = customer(1, email="nobody@example.com")
    comm = svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "email", "subject": "S", "content": "Body"}
    )
    asyncio.run(DeliveryWorker(engine, make_settings(smtp_port=smtp_sink.port)).run_once())
    record = comms(engine)[comm.id]
    assert (record.delivery, record.attempts) == ("failed", 1)
    assert (
        record.last_error
        == "The mail server refused nobody@example.com (550 5.1.1 No such user here)."
    )


@pytest.mark.parametrize("crash_at", ["after_claim", "before_send", "after_send"])
def test_crash_mid_batch_then_restart_delivers_the_rest_exactly_once(
    engine, customer, smtp_sink, make_settings, queue_messages, crash_at
) -> None:
    ids = queue_messages(engine, customer(1)["contact"], 10)
    settings = make_settings(smtp_port=smtp_sink.port, batch_size=10)
    # Four messages are in flight at a time: ids[0:4], ids[4:8], ids[8:10].
    victim, in_flight = ids[5], ids[4:8]

    def crash(arg) -> None:
        if crash_at == "after_claim" or arg.communication_id == victim:
            raise SimulatedCrash

    with pytest.raises(SimulatedCrash):
        asyncio.run(
            DeliveryWorker(engine, settings, hooks={crash_at: crash}, concurrency=4).run_once()
        )
    stats = asyncio.run(DeliveryWorker(engine, settings, clock=later(engine, settings)).run_once())
    received = smtp_sink.communication_ids()
    assert len(received) == len(set(received)), "a message was delivered twice"
    records = comms(engine)
    if crash_at == "after_claim":  # nothing was attempted: everything is delivered once
        assert sorted(received) == ids and stats.requeued_after_crash == 10
        assert all(records[i].delivery == "sent" for i in ids)
        return
    # Attempts recorded but never settled are not sent again: they are reported as uncertain.
    assert stats.uncertain_after_crash == len(in_flight) and stats.sent == 2
    for i in in_flight:
        assert records[i].delivery == "failed" and records[i].last_error.startswith(
            "Delivery uncertain"
        )
        assert queued(engine)[i].message_id in records[i].last_error
    assert all(records[i].delivery == "sent" for i in ids if i not in in_flight)
    expected = ids if crash_at == "after_send" else [i for i in ids if i not in in_flight]
    assert sorted(received) == expected


def test_sqlite_allows_one_worker_at_a_time(
    sqlite_template: Path, tmp_path: Path, make_settings
) -> None:
    path = tmp_path / "one.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    settings = make_settings()
    holder = SingleWorkerLock(engine)
    assert holder.acquire()
    try:
        with pytest.raises(WorkerBusy, match="is already delivering for this SQLite database"):
            asyncio.run(DeliveryWorker(engine, settings).run_once())
        with pytest.raises(WorkerBusy):
            asyncio.run(DeliveryWorker(engine, settings).run_forever(wait_for_lock=False))
        assert main(["worker", "--once", "--database", f"sqlite:///{path}"]) == 1
    finally:
        holder.release()
    assert asyncio.run(DeliveryWorker(engine, settings).run_once()).sent == 0
    engine.dispose()


def test_worker_renders_queued_template_messages(
    engine, ctx, customer, smtp_sink, make_settings
) -> None:
    from commcentre_tui.comms.templates import install_default_templates

    ids = customer(3)
    with transaction(engine) as session:
        install_default_templates(session)
        template = session.execute(
            select(m.Template).where(m.Template.name == "Account balance")
        ).scalar_one()
        comm = m.Communication(
            contact_id=ids["contact"],
            agent_id=ctx.actor.agent_id,
            direction="outgoing",
            media="email",
            recipient="customer3@example.com",
            state="completed",
            delivery="queued",
            template_id=template.id,
        )
        session.add(comm)
        session.flush()
        session.add(m.CommunicationQueue(communication_id=comm.id))
    asyncio.run(DeliveryWorker(engine, make_settings(smtp_port=smtp_sink.port)).run_once())
    (mail,) = smtp_sink.messages
    assert mail["Subject"] == "Your account A00000003 balance"
    assert "45.90 EUR" in mail.get_content() and "Test Admin" in mail.get_content()
    assert comms(engine)[comm.id].content == mail.get_content().replace("\r\n", "\n")


def test_embedded_worker_runs_in_a_thread_until_stopped(
    engine, ctx, customer, smtp_sink, make_settings
) -> None:
    """The console's way: ``run_blocking()`` in a thread, ``wake()`` after a Save, ``request_stop()``."""
    ids = customer(1)
    worker = DeliveryWorker(engine, make_settings(smtp_port=smtp_sink.port, poll_seconds=30))
    thread = threading.Thread(target=worker.run_blocking)
    thread.start()
    svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "email", "subject": "S", "content": "B"}
    )
    worker.wake()
    assert smtp_sink.wait_for(1)
    worker.request_stop()
    thread.join(WAIT)
    assert not thread.is_alive() and worker.stats.sent == 1
