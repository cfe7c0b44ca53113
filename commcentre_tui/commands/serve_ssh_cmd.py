"""`commcentre serve-ssh`: serve the console to agents over SSH (public keys only)."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import (
    common_parent,
    fail,
    open_database,
    settings_from,
    start_logging,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "serve-ssh",
        parents=[common_parent()],
        help="serve the console to agents over SSH (one console process per session)",
        description="Agents connect with `ssh -p PORT USERNAME@HOST` using a key registered with "
        "`commcentre agents add-key`. See docs/agents.md.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=2222, help="port to listen on (default 2222)")
    parser.add_argument(
        "--host-key",
        metavar="PATH",
        help="SSH host key file, created on first start (default data/ssh_host_key)",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=20,
        metavar="N",
        help="console sessions in total (default 20)",
    )
    parser.add_argument(
        "--max-sessions-per-agent",
        type=int,
        default=2,
        metavar="N",
        help="console sessions per agent (default 2)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=1800,
        metavar="SECONDS",
        help="close a session after this long without input; 0 = never (default 1800)",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=10,
        metavar="SECONDS",
        help="on shutdown, how long consoles get to finish (default 10)",
    )
    parser.add_argument(
        "--export-folder",
        default="",
        metavar="DIR",
        help="let roles with the export flag write result files to DIR on this "
        "server (default: exporting is off over SSH)",
    )
    parser.add_argument(
        "--no-fork-server",
        action="store_true",
        help="start each console as a new Python process instead of forking it from a process "
        "that has already imported the console (slower logins, more memory)",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    if not 0 <= args.port <= 65535:
        return fail(f"--port must be between 0 and 65535, not {args.port}.", 2)
    if args.max_sessions < 1 or args.max_sessions_per_agent < 1:
        return fail("--max-sessions and --max-sessions-per-agent must be at least 1.", 2)
    if args.idle_timeout < 0 or args.grace < 0:
        return fail("--idle-timeout and --grace must not be negative.", 2)
    settings = settings_from(args)
    target = start_logging(args, settings, "serve-ssh")
    engine = open_database(settings)
    import asyncio
    import logging

    log = logging.getLogger("commcentre.serve_ssh")

    def announce(line: str) -> None:
        log.info("%s", line)
        if target.destination != "stderr":  # under systemd the log line is already in the journal
            print(line, flush=True)

    from commcentre_tui.repo.roles_sync import sync_roles
    from commcentre_tui.ssh.hostkey import DEFAULT_HOST_KEY_PATH
    from commcentre_tui.ssh.server import ServeOptions, serve

    sync_roles(engine, settings)
    options = ServeOptions(
        host=args.host,
        port=args.port,
        host_key_path=Path(args.host_key) if args.host_key else DEFAULT_HOST_KEY_PATH,
        max_sessions=args.max_sessions,
        max_sessions_per_agent=args.max_sessions_per_agent,
        idle_timeout=args.idle_timeout,
        grace_seconds=args.grace,
        config_path=getattr(args, "config", None),
        database_url=getattr(args, "database", None),
        export_folder=args.export_folder,
        fork_server=not args.no_fork_server,
    )
    try:
        asyncio.run(serve(engine, settings, options, announce=announce))
    except OSError as exc:
        log.error("Cannot serve SSH on %s:%s: %s", args.host, args.port, exc)
        return fail(f"Cannot serve SSH on {args.host}:{args.port}: {exc.strerror or exc}.", 1)
    finally:
        engine.dispose()
    return 0
