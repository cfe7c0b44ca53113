"""`commcentre report KIND --from DATE --to DATE [--by hour|day|week|agent|unit] [--csv|--json]`.

KIND: calls, agents, dispositions, communications, outbox, care, fcr (first-contact resolution).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from commcentre_tui.commands.common import (
    common_parent,
    fail,
    open_database,
    resolve_actor,
    settings_from,
)

if TYPE_CHECKING:
    from datetime import date

#: (kept equal to ``repo.reports.KINDS`` / ``BY``; the repository is imported only to run)
KINDS = ("calls", "agents", "dispositions", "communications", "outbox", "care", "fcr")
BY = ("hour", "day", "week", "agent", "unit")
#: Short column headings for the table (80 columns).
HEADERS = {
    "calls_in": "in",
    "calls_out": "out",
    "talk_seconds": "talk s",
    "acw_seconds": "ACW s",
    "aht_seconds": "AHT s",
    "communications": "comms",
    "first_contacts": "first",
    "fcr_percent": "FCR %",
}
#: Columns that name a row (left-aligned in the table).
KEY_COLUMNS = frozenset(
    {"agent", "unit", "hour", "day", "week", "reason", "media", "direction", "status"}
    | {"delivery", "kind", "severity"}
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "report",
        parents=[common_parent()],
        help="calls, agents, dispositions, communications, outbox, care and first-contact "
        "resolution over a date range (supervisors)",
        description="Figures over whole UTC days from --from to --to (both included); the "
        "definitions (handled, answered, abandoned, AHT, after-call work, first-contact "
        "resolution) are in docs/reports.md.",
    )
    parser.add_argument("kind", choices=KINDS, help="which report")
    parser.add_argument(
        "--from", dest="first", required=True, metavar="DATE", help="first day, e.g. 2026-06-01"
    )
    parser.add_argument(
        "--to",
        dest="last",
        required=True,
        metavar="DATE",
        help="last day (included), e.g. 2026-06-30",
    )
    parser.add_argument(
        "--by", choices=BY, help="group by hour, day, week, agent or the agent's unit"
    )
    parser.add_argument("--agent", metavar="USERNAME", help="who runs it (default: you)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--csv", action="store_true", help="CSV with a header row")
    out.add_argument("--json", action="store_true", help="one JSON object per row")


def _date(text: str, option: str) -> date | str:
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return f"{option} must be a date like 2026-06-15, not {text[:30]!r}."


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.repo.reports import report

    first, last = _date(args.first, "--from"), _date(args.last, "--to")
    for value in (first, last):
        if isinstance(value, str):
            return fail(value, 2)
    settings = settings_from(args)
    engine = open_database(settings)
    try:
        actor = resolve_actor(engine, settings, args.agent)
        if not actor.is_supervisor:
            return fail(
                f"Reports are for supervisors; your role ({actor.role_name}) is not a "
                "supervisor role.",
                1,
            )
        try:
            result = report(
                engine,
                args.kind,
                first,  # type: ignore[arg-type]  # a date: strings returned above
                last,  # type: ignore[arg-type]  # a date: strings returned above
                args.by,
                fcr_days=settings.communications.first_contact_days,
            )
        except ValueError as exc:
            return fail(str(exc), 2)
    finally:
        engine.dispose()
    if args.json:
        from commcentre_tui.text import json_line

        for row in result.as_dicts():
            print(json_line(row))
        return 0
    if args.csv:
        import csv
        import sys

        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(["" if v is None else v for v in row] for row in result.rows)
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from commcentre_tui.text import inert

    console = Console(highlight=False)
    if not result.rows:
        console.print(f"No {args.kind} from {first} to {last}.")
        return 0
    table = Table(header_style="bold")
    for column in result.columns:
        key = column in KEY_COLUMNS
        table.add_column(
            HEADERS.get(column, column), justify="left" if key else "right", no_wrap=key
        )
    for values in result.rows:
        table.add_row(*(Text(inert("—" if v is None else v)) for v in values))
    console.print(table)
    return 0
