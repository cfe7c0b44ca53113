"""`commcentre cti-bridge`: Share one PBX connection among the team's consoles."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import common_parent, not_yet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("cti-bridge", parents=[common_parent()], help="Share one PBX connection among the team's consoles (not yet available)")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


run = not_yet("cti-bridge", "it arrives with the CTI work")
