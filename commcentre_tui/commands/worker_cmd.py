"""`commcentre worker`: deliver queued emails and SMS.

``--once`` delivers everything due now and exits; otherwise it runs until SIGINT/SIGTERM, finishing
the delivery in progress. Several workers may share a PostgreSQL database; on SQLite one worker
at a time is enforced (a second one exits with a sentence saying who holds it).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from commcentre_tui.commands.common import (
    common_parent,
    fail,
    open_database,
    settings_from,
    start_logging,
)

if TYPE_CHECKING:
    from commcentre_tui.config import Settings

log = logging.getLogger("commcentre.worker")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "worker",
        parents=[common_parent()],
        help="deliver queued emails and SMS",
        description="Deliver the communication queue: email over SMTP ([email]), SMS over the HTTP "
        "gateway ([sms]); retries with backoff up to [worker] max_attempts.",
    )
    parser.add_argument("--once", action="store_true", help="deliver everything due now, then exit")
    parser.add_argument(
        "--name", metavar="NAME", help="this worker's name on queue entries (default host:pid)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        metavar="N",
        help="messages in flight at once, one SMTP connection each (default 8)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print each delivery")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from commcentre_tui.comms.worker import DeliveryEvent, DeliveryWorker
    from commcentre_tui.comms.workerlock import WorkerBusy

    settings = settings_from(args)
    target = start_logging(args, settings, "worker")
    engine = open_database(settings)

    def report(event: DeliveryEvent) -> None:
        reason = f": {event.error}" if event.error else ""
        line = f"communication {event.communication_id} {event.status} (attempt {event.attempts}){reason}"
        log.log(logging.WARNING if event.status == "failed" else logging.INFO, "%s", line)
        if (args.verbose or event.status == "failed") and target.destination != "stderr":
            sys.stderr.write(line + "\n")

    from commcentre_tui.comms.worker import DEFAULT_CONCURRENCY

    if args.concurrency is not None and not 1 <= args.concurrency <= 64:
        return fail("--concurrency must be between 1 and 64.", 2)
    worker = DeliveryWorker(
        engine,
        settings,
        name=args.name,
        on_event=report,
        concurrency=args.concurrency or DEFAULT_CONCURRENCY,
    )

    async def forever() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.request_stop)
        if not worker.lock.acquire():
            raise WorkerBusy(worker.lock.busy_message())
        log.info("worker %s delivering from %s", worker.name, _shown_url(settings))
        if target.destination != "stderr":
            sys.stderr.write(
                f"commcentre worker {worker.name}: delivering; stop with Ctrl+C or SIGTERM.\n"
            )
            sys.stderr.flush()
        await worker.run_forever(wait_for_lock=False)

    try:
        if args.once:
            log.info(
                "worker %s delivering what is due from %s, once", worker.name, _shown_url(settings)
            )
            stats = asyncio.run(worker.run_once())
        else:
            asyncio.run(forever())
            stats = worker.stats
    except WorkerBusy as exc:
        log.error("%s", exc)
        return fail(str(exc), 1)
    finally:
        engine.dispose()
    line = f"Sent {stats.sent}, failed {stats.failed}, retries scheduled {stats.retried}."
    if stats.requeued_after_crash or stats.uncertain_after_crash:
        line += (
            f" Recovered from a stopped worker: {stats.requeued_after_crash} requeued, "
            f"{stats.uncertain_after_crash} marked delivery uncertain."
        )
    log.info("worker %s stopped: %s", worker.name, line)
    print(line)
    return 0


def _shown_url(settings: Settings) -> str:
    """The database URL with its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(settings.database.resolved_url()).render_as_string(hide_password=True)
