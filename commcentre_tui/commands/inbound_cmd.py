"""`commcentre inbound`: customers' emails (IMAP) and SMS (webhook) become incoming communications.

``--once`` imports what is in the mailbox now and exits; otherwise it keeps polling (IDLE where
the server has it) and serves the SMS webhook until SIGINT/SIGTERM, printing the counters when
they change. What runs follows ``[inbound.email] enabled`` and ``[inbound.sms] enabled``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import TYPE_CHECKING

from commcentre_tui.commands.common import (
    common_parent,
    fail,
    open_database,
    settings_from,
    start_logging,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from commcentre_tui.comms.inbound.email_poller import InboundStats
    from commcentre_tui.config import Settings

log = logging.getLogger("commcentre.inbound")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "inbound",
        parents=[common_parent()],
        help="import customers' emails and SMS",
        description="Import the IMAP mailbox of [inbound.email] and serve the SMS webhook of "
        "[inbound.sms] (POST /sms): each message becomes an incoming communication, matched to "
        "the customer and threaded to what it answers, exactly once.",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="import what is in the mailbox now, then exit (no SMS webhook)",
    )


def _check(settings: Settings, once: bool) -> str | None:
    """Why the configuration cannot run, in one sentence (``None``: it can)."""
    inbound = settings.inbound
    if not inbound.email.enabled and (once or not inbound.sms.enabled):
        return (
            "Inbound email is off; set [inbound.email] enabled = true (and host, user, "
            "COMMCENTRE_INBOUND__EMAIL__PASSWORD)."
            if once
            else "Nothing to run: set [inbound.email] enabled or [inbound.sms] enabled to true."
        )
    if inbound.email.enabled and not inbound.email.user:
        return "Set [inbound.email] user, the mailbox login."
    if not once and inbound.sms.enabled and not inbound.sms.token.get_secret_value():
        return "The SMS webhook needs a shared secret; set COMMCENTRE_INBOUND__SMS__TOKEN."
    return None


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.comms.inbound.email_poller import EmailPoller, InboundError

    settings = settings_from(args)
    problem = _check(settings, args.once)
    if problem:
        return fail(problem, 2)
    start_logging(args, settings, "inbound")
    engine = open_database(settings)
    try:
        if args.once:
            poller = EmailPoller(engine, settings)
            try:
                poller.poll_once()
            except InboundError as exc:
                return fail(str(exc), 1)
            finally:
                poller.close()
            print(f"Inbound email: {poller.stats.line()}.")
            _reasons(poller.stats)
            return 0
        return _forever(engine, settings)
    finally:
        engine.dispose()


def _reasons(stats: InboundStats) -> None:
    for reason, count in stats.reasons.most_common():
        print(f"  refused {count}: {reason}")


def _forever(engine: Engine, settings: Settings) -> int:
    import asyncio
    import signal

    from commcentre_tui.comms.inbound.email_poller import EmailPoller

    cfg = settings.inbound
    poller = EmailPoller(engine, settings) if cfg.email.enabled else None
    stop = threading.Event()
    last = [""]

    def show(stats: InboundStats) -> None:
        line = stats.line()
        if line != last[0]:
            last[0] = line
            print(f"Inbound email: {line}.", flush=True)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def request_stop() -> None:
            stop.set()
            if poller is not None:
                poller.request_stop()
            done.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, request_stop)
        listener = None
        if cfg.sms.enabled:
            from commcentre_tui.comms.inbound.sms_webhook import sms_listener

            listener = sms_listener(engine, settings)
            await listener.start()
            sys.stderr.write(
                f"commcentre inbound: SMS webhook on http://{cfg.sms.listen_host}:"
                f"{listener.port}/sms\n"
            )
        task = None
        if poller is not None:
            sys.stderr.write(
                f"commcentre inbound: importing {poller.mailbox}; stop with Ctrl+C or SIGTERM.\n"
            )
            task = asyncio.ensure_future(asyncio.to_thread(poller.run, show))
        sys.stderr.flush()
        try:
            if task is not None:
                await asyncio.wait(
                    {task, asyncio.ensure_future(done.wait())}, return_when=asyncio.FIRST_COMPLETED
                )
                request_stop()
                await task
            else:
                await done.wait()
        finally:
            if listener is not None:
                await listener.close()
                receiver = listener.receiver
                print(
                    f"Inbound SMS: received {receiver.received}, duplicates {receiver.duplicates}, "
                    f"STOP/START {receiver.opt_changes}, refused posts {listener.refused}."
                )

    asyncio.run(main())
    if poller is not None:
        print(f"Inbound email: {poller.stats.line()}.")
        _reasons(poller.stats)
    return 0
