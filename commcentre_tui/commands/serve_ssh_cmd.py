"""`commcentre serve-ssh`: Serve the console to agents over SSH."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import common_parent, not_yet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("serve-ssh", parents=[common_parent()], help="Serve the console to agents over SSH (not yet available)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


run = not_yet("serve-ssh", "it arrives with the agents and SSH work")
