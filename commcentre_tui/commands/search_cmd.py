"""`commcentre search`: Quick Search (one field, one value) and Advanced Search (``--where``)."""

from __future__ import annotations

import argparse
import json

from commcentre_tui.commands.common import common_parent, fail, open_database, settings_from


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "search", parents=[common_parent()],
        help="search contacts (Quick Search, or Advanced Search with --where)",
        description="Quick Search: one field, one value. Like rules: %%ria ends with, Ma%% or Mar "
        "starts with, %%ari%% contains; %% is a wildcard only at the start or end. Advanced "
        "Search: repeat --where FIELD OP VALUE; every condition must hold.",
    )
    parser.add_argument("value", nargs="?", metavar="VALUE", help="the value to search for")
    parser.add_argument("--field", metavar="F",
                        help="field to search (default [search] default_field, normally 'any')")
    parser.add_argument("--op", metavar="OP", help="= or like (default [search] default_operator)")
    parser.add_argument("--where", nargs=3, action="append", metavar=("FIELD", "OP", "VALUE"),
                        help="an Advanced Search condition (repeatable; then no VALUE)")
    parser.add_argument("--limit", type=int, metavar="N", help="results per page (default page_size)")
    parser.add_argument("--json", action="store_true", help="one JSON object per contact per line")


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.repo.search import Condition, count_matches, search_contacts

    if args.where and args.value is not None:
        return fail("Give either a VALUE (quick search) or --where conditions, not both.", 2)
    if not args.where and args.value is None:
        return fail("Give a VALUE to search for, or --where FIELD OP VALUE conditions.", 2)
    if args.limit is not None and not 1 <= args.limit <= 500:
        return fail("--limit must be between 1 and 500.", 2)
    settings = settings_from(args)
    if args.where:
        conditions = [Condition(f, o, v) for f, o, v in args.where]
        mode = "advanced"
    else:
        field = args.field or settings.search.default_field
        conditions = [Condition(field, args.op or settings.search.default_operator, args.value)]
        mode = "quick"
    engine = open_database(settings)
    try:
        page = search_contacts(engine, settings, conditions, mode=mode, limit=args.limit)
        total = page.total_text
        if not args.json and total.endswith("+") and total != "1,000+":
            total = count_matches(engine, settings, conditions, mode=mode)  # worth the wait here
    finally:
        engine.dispose()
    if args.json:
        for hit in page.hits:
            print(json.dumps({
                "id": hit.contact_id, "customer_number": hit.customer_number, "kind": hit.kind,
                "first_name": hit.first_name, "last_name": hit.last_name,
                "company_name": hit.company_name, "display_name": hit.display_name,
                "phone": hit.phone, "email": hit.email, "matched": hit.matched,
            }, ensure_ascii=False))
        return 0
    _print_table(page, total)
    return 0


def _print_table(page: object, total: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from commcentre_tui.catalog import FIELD_LABELS
    from commcentre_tui.text import inert

    hits = page.hits  # type: ignore[attr-defined]
    console = Console(highlight=False)
    if not hits:
        console.print("No contacts match.")
        return
    table = Table(show_lines=False, header_style="bold")
    for column in ("Customer", "Name", "Phone", "Email", "Matched"):
        table.add_column(column)
    for hit in hits:
        matched = "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in hit.matched.items())
        table.add_row(*(Text(inert(v or "")) for v in (
            hit.customer_number, hit.display_name, hit.phone, hit.email, matched)))
    console.print(table)
    more = " (more follow)" if page.has_more else ""  # type: ignore[attr-defined]
    console.print(f"{len(hits)} shown of {total}{more}.")
