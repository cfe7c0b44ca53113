"""`commcentre notify`: Render a template for a segment of contacts and queue it."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import common_parent, not_yet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("notify", parents=[common_parent()], help="Render a template for a segment of contacts and queue it (not yet available)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


run = not_yet("notify", "it arrives with the communications work")
