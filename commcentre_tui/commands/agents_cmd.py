"""`commcentre agents`: manage agents, their roles and their SSH keys.

The command line acts as the system operator (whoever holds the database credentials can do
anything anyway; see docs/agents.md), audited with the operating-system user; ``--agent NAME``
acts as that agent instead, with their role's permissions.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from commcentre_tui.commands.common import (
    common_parent,
    fail,
    open_database,
    os_username,
    settings_from,
)

ZONE_HELP = (
    "the IANA time zone the console shows times in, e.g. Europe/Nicosia "
    "(default, or 'server': the server's)"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("agents", help="manage agents, roles and SSH keys")
    actions = parser.add_subparsers(
        dest="agents_command", metavar="ACTION", required=True, parser_class=type(parser)
    )
    common = common_parent()
    common.add_argument(
        "--agent",
        metavar="USERNAME",
        dest="as_agent",
        help="act as this agent (default: the system operator)",
    )

    add = actions.add_parser("add", parents=[common], help="add an agent")
    add.add_argument("username", help="login name (lower-case letters, digits, . _ -)")
    add.add_argument(
        "--name", required=True, metavar="DISPLAY", help='display name, e.g. "Maria Kosta"'
    )
    add.add_argument("--role", default="agent", help="a role from config (default: agent)")
    add.add_argument("--unit", help="the agent's unit, e.g. Care")
    add.add_argument("--extension", help="telephone extension")
    add.add_argument("--time-zone", metavar="ZONE", help=ZONE_HELP)

    change = actions.add_parser(
        "update", parents=[common], help="change an agent's name, unit, extension or time zone"
    )
    change.add_argument("username")
    change.add_argument("--name", metavar="DISPLAY", help="display name")
    change.add_argument("--unit", help='the agent\'s unit ("" clears it)')
    change.add_argument("--extension", help='telephone extension ("" clears it)')
    change.add_argument("--time-zone", metavar="ZONE", help=ZONE_HELP)

    listing = actions.add_parser("list", parents=[common], help="list agents")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--active", action="store_true", help="only active agents")

    for name, text in (
        ("disable", "stop an agent logging in"),
        ("enable", "let an agent log in again"),
    ):
        one = actions.add_parser(name, parents=[common], help=text)
        one.add_argument("username")

    role = actions.add_parser("set-role", parents=[common], help="give an agent another role")
    role.add_argument("username")
    role.add_argument("role")

    key = actions.add_parser("add-key", parents=[common], help="register an SSH public key")
    key.add_argument("username")
    key.add_argument("keyfile", help="the .pub file, or - to read the key from standard input")

    unkey = actions.add_parser("remove-key", parents=[common], help="remove an SSH public key")
    unkey.add_argument("username")
    unkey.add_argument("fingerprint", help="SHA256:… as `agents list` shows it")


def _actor(engine: Any, settings: Any, args: argparse.Namespace) -> Any:
    from dataclasses import replace

    from commcentre_tui.repo.actor_lookup import actor_for
    from commcentre_tui.repo.permissions import SYSTEM

    if args.as_agent:
        return actor_for(engine, settings, args.as_agent)
    return replace(SYSTEM, username=f"cli:{os_username() or 'unknown'}")


def _read_key(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read(64 * 1024)


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.errors import Conflict, NotFound, ValidationFailed
    from commcentre_tui.repo import agents
    from commcentre_tui.repo.roles_sync import sync_roles

    settings = settings_from(args)
    engine = open_database(settings)
    try:
        sync_roles(engine, settings)
        actor = _actor(engine, settings, args)
        command = args.agents_command
        if command == "add":
            info = agents.create_agent(
                engine,
                settings,
                actor,
                username=args.username,
                display_name=args.name,
                role=args.role,
                unit=args.unit,
                extension=args.extension,
                time_zone=args.time_zone,
            )
            print(f"Added {info.username} ({info.display_name}, role {info.role}).")
        elif command == "update":
            info = agents.update_agent(
                engine,
                actor,
                args.username,
                display_name=args.name,
                unit=args.unit,
                extension=args.extension,
                time_zone=args.time_zone,
            )
            print(
                f"Updated {info.username} ({info.display_name}, unit {info.unit or '-'}, "
                f"extension {info.extension or '-'}, time zone {info.time_zone or 'server'})."
            )
        elif command == "list":
            _print_list(agents.list_agents(engine, actor, active_only=args.active), args.json)
        elif command in ("disable", "enable"):
            change = agents.disable_agent if command == "disable" else agents.enable_agent
            info = change(engine, actor, args.username)
            print(f"{info.username} is now {'active' if info.active else 'disabled'}.")
        elif command == "set-role":
            info = agents.set_role(engine, settings, actor, args.username, args.role)
            print(f"{info.username} now has the role {info.role}.")
        elif command == "add-key":
            try:
                text = _read_key(args.keyfile)
            except OSError as exc:
                return fail(f"Cannot read {args.keyfile}: {exc.strerror or exc}.", 2)
            key = agents.add_key(engine, actor, args.username, text)
            print(f"Added key {key.fingerprint} ({key.algorithm}) for {args.username}.")
        else:
            agents.remove_key(engine, actor, args.username, args.fingerprint)
            print(f"Removed key {args.fingerprint} from {args.username}.")
    except (ValidationFailed, Conflict, NotFound) as exc:
        return fail(str(exc), 2)
    finally:
        engine.dispose()
    return 0


def _print_list(rows: list[Any], as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "username": a.username,
                        "display_name": a.display_name,
                        "role": a.role,
                        "unit": a.unit,
                        "extension": a.extension,
                        "time_zone": a.time_zone,
                        "active": a.active,
                        "created_at": a.created_at.isoformat(),
                        "keys": [
                            {
                                "fingerprint": k.fingerprint,
                                "algorithm": k.algorithm,
                                "comment": k.comment,
                            }
                            for k in a.keys
                        ],
                    }
                    for a in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        print('No agents yet; add one with `commcentre agents add USERNAME --name "Name"`.')
        return
    table = [("USERNAME", "NAME", "ROLE", "UNIT", "EXT", "TIME ZONE", "STATE", "KEYS")] + [
        (
            a.username,
            a.display_name,
            a.role,
            a.unit or "",
            a.extension or "",
            a.time_zone or "server",
            "active" if a.active else "disabled",
            ", ".join(k.fingerprint for k in a.keys),
        )
        for a in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
