"""`commcentre db`: schema migrations and synthetic data."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from commcentre_tui.commands.common import common_parent, fail, open_database, settings_from

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from commcentre_tui.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="database schema and data: upgrade, status, seed")
    db_sub = parser.add_subparsers(
        dest="db_command", metavar="ACTION", required=True, parser_class=type(parser)
    )
    db_sub.add_parser(
        "upgrade",
        parents=[common_parent()],
        help="create or migrate the schema to this version and install the shipped "
        "templates (never changing edited ones)",
    )
    db_sub.add_parser(
        "status",
        parents=[common_parent()],
        help="show the database's migration and this version's head",
    )
    seed = db_sub.add_parser(
        "seed",
        parents=[common_parent()],
        help="load deterministic synthetic data (bulk, with progress)",
    )
    seed.add_argument(
        "--contacts",
        type=int,
        required=True,
        metavar="N",
        help="number of contacts (related rows are proportional)",
    )
    seed.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.db_command == "upgrade":
        from commcentre_tui.repo.migrate import current_revision, upgrade

        engine = open_database(settings, check=False)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
        print(
            f"Database at migration {after}"
            + ("" if before == after else f" (was {before or 'empty'})")
            + "."
        )
        print(_install_templates(engine, settings))
        return 0
    if args.db_command == "status":
        from commcentre_tui.repo.migrate import current_revision, head_revision

        engine = open_database(settings, check=False)
        current, head = current_revision(engine), head_revision()
        state = "up to date" if current == head else "needs `commcentre db upgrade`"
        print(f"Database migration: {current or 'none'}; this version: {head} ({state}).")
        return 0
    if args.contacts < 1:
        return fail("--contacts must be at least 1.", 2)
    from commcentre_tui.repo.seed.bulk import seed_bulk_with_progress

    engine = open_database(settings)
    seed_bulk_with_progress(engine, settings, contacts=args.contacts, seed=args.seed)
    return 0


def _install_templates(engine: Engine, settings: Settings) -> str:
    """Install the shipped templates once (untouched ones updated, edited ones kept), audited."""
    from dataclasses import replace

    from commcentre_tui.commands.common import os_username
    from commcentre_tui.repo.permissions import SYSTEM
    from commcentre_tui.services.context import ServiceContext
    from commcentre_tui.services.templates import install_defaults

    actor = replace(SYSTEM, username=f"cli:{os_username() or 'unknown'}")
    return install_defaults(ServiceContext(engine, settings, actor)).summary()
