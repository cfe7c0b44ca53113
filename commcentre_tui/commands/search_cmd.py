"""`commcentre search`: Search contacts (Quick and Advanced Search)."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import common_parent, not_yet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("search", parents=[common_parent()], help="Search contacts (Quick and Advanced Search) (not yet available)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


run = not_yet("search", "it arrives with the search work")
