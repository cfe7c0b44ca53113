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
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.bench.comms_data import (
    add_overdue_contacts,
    count_contacts,
    delete_communications_after,
    max_id,
    remove_contacts,
)
from commcentre_tui.bench.registry import BenchContext, case
from commcentre_tui.bench.smtp_protocol import AcceptingSmtp
from commcentre_tui.config import Settings
from commcentre_tui.models import (
    Communication,
)
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import backend_name, reading, transaction
from commcentre_tui.repo.permissions import SYSTEM

CASES = ("comms.bulk_queue", "comms.smtp_delivery")
BULK_MESSAGES = 100_000
DELIVERY_EMAILS = 10_000
TEMPLATE = "Overdue reminder"


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
    before = max_id(engine, Communication)
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
    from commcentre_tui.comms.worker import DEFAULT_CONCURRENCY, DeliveryWorker
    from commcentre_tui.repo.outbox_writes import enqueue, insert_communications

    mp = multiprocessing.get_context("spawn")
    parent, child = mp.Pipe()
    stop, received = mp.Event(), mp.Value("i", 0)
    sink = mp.Process(target=_sink_process, args=(child, stop, received), daemon=True)
    sink.start()
    first, last = add_overdue_contacts(engine, 1)
    before = max_id(engine, Communication)
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
                        "contacts": count_contacts(engine),
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
