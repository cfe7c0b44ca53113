"""`commcentre search`: Quick Search (one field, one value) and Advanced Search (``--where``)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from commcentre_tui.commands.common import common_parent, fail, open_database, settings_from

if TYPE_CHECKING:
    from commcentre_tui.repo.search.api import SearchHit, SearchPage

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from commcentre_tui.config import Settings
    from commcentre_tui.repo.search.api import Condition


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "search",
        parents=[common_parent()],
        help="search contacts (Quick Search, or Advanced Search with --where)",
        description="Quick Search: one field, one value. Like rules: %ria ends with, Ma% or Mar "
        "starts with, %ari% contains; % is a wildcard only at the start or end. Advanced "
        "Search: repeat --where FIELD OP VALUE; every condition must hold.",
    )
    parser.add_argument("value", nargs="?", metavar="VALUE", help="the value to search for")
    parser.add_argument(
        "--field",
        metavar="F",
        help="field to search (default [search] default_field, normally 'any')",
    )
    parser.add_argument("--op", metavar="OP", help="= or like (default [search] default_operator)")
    parser.add_argument(
        "--where",
        nargs=3,
        action="append",
        metavar=("FIELD", "OP", "VALUE"),
        help="an Advanced Search condition (repeatable; then no VALUE)",
    )
    parser.add_argument(
        "--limit", type=int, metavar="N", help="results per page (default page_size)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per contact per line")
    parser.add_argument(
        "--csv",
        action="store_true",
        help="CSV with the console's columns (formula-looking cells escaped)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="every match, not one page (streamed; with --csv or --json)",
    )


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.repo.search.api import Condition, count_matches, search_contacts

    if args.where and args.value is not None:
        return fail("Give either a VALUE (quick search) or --where conditions, not both.", 2)
    if not args.where and args.value is None:
        return fail("Give a VALUE to search for, or --where FIELD OP VALUE conditions.", 2)
    if args.limit is not None and not 1 <= args.limit <= 500:
        return fail("--limit must be between 1 and 500.", 2)
    if args.json and args.csv:
        return fail("Give --json or --csv, not both.", 2)
    if args.all and not (args.json or args.csv):
        return fail("--all streams every match as --csv or --json; give one of them.", 2)
    settings = settings_from(args)
    if args.where:
        conditions = [Condition(f, o, v) for f, o, v in args.where]
        mode = "advanced"
    else:
        field = args.field or settings.search.default_field
        conditions = [Condition(field, args.op or settings.search.default_operator, args.value)]
        mode = "quick"
    engine = open_database(settings)
    if args.all:
        try:
            _stream_all(engine, settings, conditions, mode, args.csv)
        finally:
            engine.dispose()
        return 0
    if args.csv:
        try:
            page = search_contacts(engine, settings, conditions, mode=mode, limit=args.limit)
        finally:
            engine.dispose()
        _write_csv(page.hits, header=True)
        return 0
    try:
        page = search_contacts(engine, settings, conditions, mode=mode, limit=args.limit)
        total = page.total_text
        if not args.json and total.endswith("+") and total != "1,000+":
            total = count_matches(engine, settings, conditions, mode=mode)  # worth the wait here
    finally:
        engine.dispose()
    if args.json:
        _write_json(page.hits)
        return 0
    _print_table(page, total)
    return 0


def _write_json(hits: list[SearchHit]) -> None:
    from commcentre_tui.text import json_line

    for hit in hits:
        print(
            json_line(
                {
                    "id": hit.contact_id,
                    "customer_number": hit.customer_number,
                    "kind": hit.kind,
                    "first_name": hit.first_name,
                    "last_name": hit.last_name,
                    "company_name": hit.company_name,
                    "display_name": hit.display_name,
                    "phone": hit.phone,
                    "email": hit.email,
                    "matched": hit.matched,
                }
            )
        )


#: The console's result columns (and the table's and CSV's).
COLUMNS = ("Customer", "Name", "Phone", "Email", "Matched")


def _matched_text(hit: SearchHit) -> str:
    from commcentre_tui.catalog import FIELD_LABELS

    return "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in hit.matched.items())


def _write_csv(hits: list[SearchHit], *, header: bool) -> None:
    import csv
    import sys

    from commcentre_tui.repo.export_csv import SEARCH_COLUMNS, search_row

    writer = csv.writer(sys.stdout, lineterminator="\n")
    if header:
        writer.writerow(SEARCH_COLUMNS)
    for hit in hits:
        writer.writerow(search_row(hit))


def _stream_all(
    engine: Engine, settings: Settings, conditions: list[Condition], mode: str, as_csv: bool
) -> None:
    """Every match, a page of 500 at a time (constant memory), as CSV or JSON lines."""
    import sys

    from commcentre_tui.repo.search.api import search_contacts

    after = None
    first = True
    while True:
        page = search_contacts(engine, settings, conditions, mode=mode, limit=500, after=after)
        if as_csv:
            _write_csv(page.hits, header=first)
        else:
            _write_json(page.hits)
        sys.stdout.flush()
        first = False
        if not page.has_more or not page.hits:
            return
        after = page.hits[-1].sort_key


def _print_table(page: SearchPage, total: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from commcentre_tui.text import inert

    hits = page.hits
    console = Console(highlight=False)
    if not hits:
        console.print("No contacts match.")
        return
    table = Table(show_lines=False, header_style="bold")
    for column in COLUMNS:
        table.add_column(column)
    for hit in hits:
        matched = _matched_text(hit)
        table.add_row(
            *(
                Text(inert(v or ""))
                for v in (hit.customer_number, hit.display_name, hit.phone, hit.email, matched)
            )
        )
    console.print(table)
    more = " (more follow)" if page.has_more else ""
    console.print(f"{len(hits)} shown of {total}{more}.")
