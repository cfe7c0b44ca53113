"""`commcentre` / `commcentre console`: the agent console."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import (
    common_parent,
    open_database,
    os_username,
    resolve_actor,
    settings_from,
    start_logging,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "console", parents=[common_parent()], help="start the agent console (the default)"
    )
    parser.add_argument(
        "--agent",
        metavar="USERNAME",
        help="who is working (default: COMMCENTRE_AGENT, else the OS user)",
    )
    parser.add_argument(
        "--extension", metavar="EXT", help="telephone extension for CTI (default: the agent's own)"
    )


def run(args: argparse.Namespace) -> int:
    import os

    settings = settings_from(args)
    # One file per agent (console-maria.log): the terminal is the agent's screen, never the log's.
    who = args.agent or os.environ.get("COMMCENTRE_AGENT") or os_username()
    start_logging(args, settings, f"console-{who}")
    if args.extension:
        settings.cti.agent_extension = args.extension
    engine = open_database(settings, create_demo=True)
    actor = resolve_actor(engine, settings, args.agent)
    import logging

    from commcentre_tui.app import create_app

    app = create_app(settings=settings, engine=engine, actor=actor)
    app.run()
    code = app.return_code or 0
    logging.getLogger("commcentre.console").log(
        logging.ERROR if code else logging.INFO,
        "console of %s ended (exit %d)",
        actor.username,
        code,
    )
    return code
