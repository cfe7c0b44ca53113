"""`commcentre worker`: Deliver queued emails and SMS."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import common_parent, not_yet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("worker", parents=[common_parent()], help="Deliver queued emails and SMS (not yet available)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


run = not_yet("worker", "it arrives with the communications work")
