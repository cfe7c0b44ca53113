"""`commcentre bench`: Measure search, console and delivery speed."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import common_parent, not_yet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("bench", parents=[common_parent()], help="Measure search, console and delivery speed (not yet available)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


run = not_yet("bench", "it arrives with the benchmarks work")
