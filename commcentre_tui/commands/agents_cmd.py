"""`commcentre agents`: Manage agents, roles and SSH keys."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import common_parent, not_yet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("agents", parents=[common_parent()], help="Manage agents, roles and SSH keys (not yet available)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


run = not_yet("agents", "it arrives with the agents and SSH work")
