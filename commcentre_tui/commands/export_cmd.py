"""`commcentre export customer NUMBER --json`: everything held about one customer."""

from __future__ import annotations

import argparse
from typing import TextIO

from commcentre_tui.commands.common import common_parent, fail, open_database, settings_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export",
        help="take data out (everything held about one customer)",
        description="Export data. `export customer NUMBER --json` prints everything held about "
        "one customer (a data-subject access request).",
    )
    kinds = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    customer = kinds.add_parser(
        "customer",
        parents=[common_parent()],
        help="everything held about one customer",
        description="Everything held about one customer as one JSON document: the contact, "
        "accounts, bills, payments, communications, care records and the audit of their record.",
    )
    customer.add_argument("number", metavar="NUMBER", help="the customer number, e.g. C0000123")
    customer.add_argument("--json", action="store_true", help="JSON (the only format; the default)")
    contacts = kinds.add_parser(
        "contacts",
        parents=[common_parent()],
        help="every contact, in the import's columns",
        description="Every contact as CSV in the columns `commcentre import contacts` reads "
        "(streamed; formula-looking cells escaped with a leading apostrophe, which the import "
        "removes again).",
    )
    contacts.add_argument("--csv", action="store_true", help="CSV (the only format; the default)")
    contacts.add_argument("--output", "-o", metavar="PATH", help="write to PATH instead of stdout")


def run(args: argparse.Namespace) -> int:
    if args.what == "contacts":
        return _contacts(args)
    from commcentre_tui.repo.export_customer import customer_document
    from commcentre_tui.text import json_line

    settings = settings_from(args)
    engine = open_database(settings)
    try:
        document = customer_document(engine, args.number)
    finally:
        engine.dispose()
    if document is None:
        return fail(f"There is no customer {args.number}.", 1)
    print(json_line(document))
    return 0


def _contacts(args: argparse.Namespace) -> int:
    import csv
    import sys
    from pathlib import Path

    from commcentre_tui.repo.export_csv import contact_header, contact_rows

    settings = settings_from(args)
    names = [d.name for d in settings.contacts.custom_fields]
    engine = open_database(settings)
    handle: TextIO
    try:
        if args.output:
            target = Path(args.output)
            try:
                handle = target.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                return fail(f"Cannot write {target}: {exc.strerror or exc}.", 1)
        else:
            handle = sys.stdout
        try:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(contact_header(names))
            count = 0
            for row in contact_rows(engine, names):
                writer.writerow(row)
                count += 1
        finally:
            if handle is not sys.stdout:
                handle.close()
    finally:
        engine.dispose()
    if args.output:
        print(f"Exported {count:,} contacts to {args.output}.")
    return 0
