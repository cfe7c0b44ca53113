"""`commcentre latest`: Latest Communications — an agent's communications, newest first."""

from __future__ import annotations

import argparse

from commcentre_tui.commands.common import (
    common_parent,
    fail,
    open_database,
    resolve_actor,
    settings_from,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "latest",
        parents=[common_parent()],
        help="list an agent's latest communications, newest first",
        description="The communications created by the agent (--agent, else COMMCENTRE_AGENT, "
        "else the operating-system user), newest first, at most [search] communications_limit.",
    )
    parser.add_argument("--agent", metavar="USERNAME", help="whose communications (default: you)")
    parser.add_argument(
        "--limit", type=int, metavar="N", help="at most N (default [search] communications_limit)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.repo.search.api import latest_communications

    if args.limit is not None and args.limit < 1:
        return fail("--limit must be at least 1.", 2)
    settings = settings_from(args)
    engine = open_database(settings)
    try:
        actor = resolve_actor(engine, settings, args.agent)
        rows = latest_communications(engine, settings, actor.agent_id, limit=args.limit)
    finally:
        engine.dispose()
    if args.json:
        from commcentre_tui.text import json_line

        for row in rows:
            print(
                json_line(
                    {
                        "communication_id": row.communication_id,
                        "contact_id": row.contact_id,
                        "contact_name": row.contact_name,
                        "customer_number": row.customer_number,
                        "created_at": row.created_at.isoformat(),
                        "direction": row.direction,
                        "media": row.media,
                        "category": row.category,
                        "subject": row.subject,
                        "state": row.state,
                    }
                )
            )
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from commcentre_tui.text import inert

    console = Console(highlight=False)
    if not rows:
        console.print(f"{actor.username} has logged no communications yet.")
        return 0
    table = Table(header_style="bold")
    for column in (
        "When (UTC)",
        "Contact",
        "Customer",
        "Direction",
        "Media",
        "Category",
        "Subject",
        "State",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *(
                Text(inert(v))
                for v in (
                    row.created_at.strftime("%Y-%m-%d %H:%M"),
                    row.contact_name,
                    row.customer_number,
                    row.direction,
                    row.media,
                    row.category,
                    row.subject,
                    row.state,
                )
            )
        )
    console.print(table)
    return 0
