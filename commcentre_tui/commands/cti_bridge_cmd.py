"""`commcentre cti-bridge`: Share one PBX connection among the team's consoles.

Keeps one AMI connection (``[cti] provider = "asterisk"``) or the HTTP event listener
(``provider = "listener"``) and fans call events out to the consoles by extension over
line-delimited JSON on TCP (see ``docs/cti.md``). Runs until SIGINT/SIGTERM (exit 0); a refused
PBX login ends it with exit 1.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from commcentre_tui.commands.common import common_parent, fail

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from commcentre_tui.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "cti-bridge",
        parents=[common_parent()],
        help="Share one PBX connection among the team's consoles",
        description="Keep one PBX connection (or the CTI event listener) and fan call events out "
        'to the consoles by extension. Consoles set [cti] bridge_url = "tcp://HOST:PORT".',
    )
    parser.add_argument(
        "--listen-host",
        metavar="HOST",
        default=None,
        help="address consoles connect to (default: from [cti] bridge_url, else 127.0.0.1)",
    )
    parser.add_argument(
        "--listen-port",
        metavar="PORT",
        type=int,
        default=None,
        help="port consoles connect to (default: from [cti] bridge_url, else 8766; 0 = any free)",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log every console and state change"
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from commcentre_tui.commands.common import settings_from

    settings = settings_from(args)
    cti = settings.cti
    if not cti.enabled:
        return fail(
            "CTI is off; set [cti] enabled = true (or COMMCENTRE_CTI__ENABLED=true) to run the bridge.",
            2,
        )
    if cti.provider == "asterisk" and not cti.secret.get_secret_value():
        return fail("The AMI secret is not set; set COMMCENTRE_CTI__SECRET.", 2)
    if cti.provider == "listener" and not cti.listener_token.get_secret_value():
        from commcentre_tui.cti.listener import NO_TOKEN

        return fail(NO_TOKEN, 2)
    if args.listen_port is not None and not 0 <= args.listen_port <= 65535:
        return fail("--listen-port must be between 0 and 65535.", 2)
    from commcentre_tui.cti.bridge_protocol import DEFAULT_PORT, parse_bridge_url

    host, port = "127.0.0.1", DEFAULT_PORT
    if cti.bridge_url:
        host, port = parse_bridge_url(cti.bridge_url)
    host = args.listen_host or host
    port = port if args.listen_port is None else args.listen_port
    from commcentre_tui.commands.common import start_logging

    if args.verbose and getattr(args, "log_level", None) is None:
        args.log_level = "info"
    target = start_logging(args, settings, "cti-bridge")
    logging.getLogger("commcentre.cti_bridge").info(
        "CTI bridge for %s (provider %s) on %s:%s",
        f"{cti.host}:{cti.port}",
        cti.provider,
        host,
        port,
    )
    engine = None
    if cti.provider == "listener":
        from commcentre_tui.commands.common import open_database

        engine = open_database(settings)
    try:
        return asyncio.run(
            _serve(settings, host, port, engine, echo=target.destination != "stderr")
        )
    finally:
        if engine is not None:
            engine.dispose()


async def _serve(
    settings: Settings, host: str, port: int, engine: Engine | None, *, echo: bool = True
) -> int:
    import asyncio
    import logging
    import signal
    import sys

    from commcentre_tui.cti.bridge import CtiBridge
    from commcentre_tui.cti.states import LOGIN_FAILED, is_failure

    bridge = CtiBridge(settings, host=host, port=port, engine=engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    outcome: list[str] = []

    def on_state(state: str) -> None:
        logging.getLogger("commcentre.cti_bridge").log(
            logging.ERROR if is_failure(state) else logging.INFO, "PBX %s", state
        )
        if echo:  # under systemd the log line above is already on stderr
            sys.stderr.write(f"commcentre cti-bridge: PBX {state}\n")
        if is_failure(state):
            outcome.append(state)
            stop.set()

    bridge.add_state_listener(on_state)
    try:
        await bridge.start()
    except OSError as exc:
        return fail(f"The bridge cannot listen on {host}:{port} ({exc.strerror or exc}).", 1)
    sys.stdout.write(
        f"CTI bridge listening on tcp://{bridge.host}:{bridge.port} (provider {bridge.provider})\n"
    )
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await bridge.close()
    if outcome:
        state = outcome[0]
        if state.startswith(LOGIN_FAILED):
            return fail(
                f"The PBX refused the manager login ({state.partition(': ')[2]}); check [cti] "
                "username and COMMCENTRE_CTI__SECRET.",
                1,
            )
        return fail(f"The bridge stopped: {state}.", 1)
    return 0
