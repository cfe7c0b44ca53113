"""`commcentre latest`: List the latest communications of an agent."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import common_parent, not_yet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("latest", parents=[common_parent()], help="List the latest communications of an agent (not yet available)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


run = not_yet("latest", "it arrives with the search work")
