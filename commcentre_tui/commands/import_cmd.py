"""`commcentre import contacts FILE.csv`: customers from another system (README: Importing and exporting)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commcentre_tui.commands.common import common_parent, fail, open_database, settings_from

if TYPE_CHECKING:
    from commcentre_tui.services.importing import ImportOptions, ImportResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "import",
        help="import customers from another system (CSV)",
        description="Import records from a CSV file. All or nothing: with any problem nothing "
        "is written (unless --skip-invalid).",
    )
    kinds = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    contacts = kinds.add_parser(
        "contacts",
        parents=[common_parent()],
        help="contacts (people and companies)",
        description="Import contacts from FILE (UTF-8 CSV, header line first). Columns whose "
        "header is a field name map themselves: external_id, kind, title, first_name, "
        "last_name, company_name, registration_number, id_number, national_id, preferred_language, unit, "
        "notes, mobile, home_phone, work_phone, fax, phone (and phone_2 … phone_9 etc.), email, "
        "work_email, street, city, postal_code, country, email_opt_out / email_opt_in (and sms_, "
        "phone_, letter_), custom.<name> or a custom field's name. A phone or email cell may hold "
        "several values separated by |. Rows matching an existing customer (same external id, "
        "phone or email) and saying nothing new are left alone; ones saying something new are "
        "reported, or merged with --update.",
    )
    contacts.add_argument("file", metavar="FILE", type=Path, help="the CSV file")
    contacts.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN,…",
        help="map fields to the file's columns, e.g. first_name=Given,last_name=Surname",
    )
    contacts.add_argument(
        "--mapping", metavar="PATH", type=Path, help="a mapping file: one `field = Column` per line"
    )
    contacts.add_argument(
        "--delimiter",
        metavar="D",
        help="the column separator (default: told from the header line; 'tab' for tabs)",
    )
    contacts.add_argument(
        "--encoding",
        default="utf-8",
        metavar="NAME",
        help="the file's text encoding (default utf-8; a BOM is fine)",
    )
    contacts.add_argument(
        "--dry-run", action="store_true", help="check every row and report problems; write nothing"
    )
    contacts.add_argument(
        "--update",
        action="store_true",
        help="merge rows that match an existing customer into that customer",
    )
    contacts.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows; write the rejected ones to FILE.rejected.csv",
    )
    contacts.add_argument(
        "--report",
        metavar="PATH",
        type=Path,
        help="where to write the problem report (default FILE.import-report.txt)",
    )


def run(args: argparse.Namespace) -> int:
    import codecs

    from commcentre_tui.services.importing import ImportOptions, import_contacts
    from commcentre_tui.services.importing_csv import ImportRefused

    delimiter = args.delimiter
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1 or delimiter in '"\r\n':
            return fail("--delimiter must be one character (or 'tab').", 2)
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        return fail(f"--encoding {args.encoding} is not an encoding Python knows.", 2)
    if args.dry_run and args.skip_invalid:
        return fail("Give --dry-run or --skip-invalid, not both (a dry run writes nothing).", 2)
    if not args.file.is_file():
        return fail(f"{args.file} is not a file.", 2)
    options = ImportOptions(
        path=args.file,
        maps=args.map,
        mapping_file=args.mapping,
        delimiter=delimiter,
        encoding=args.encoding,
        dry_run=args.dry_run,
        update=args.update,
        skip_invalid=args.skip_invalid,
        report=args.report,
    )
    settings = settings_from(args)
    engine = open_database(settings)
    started = time.perf_counter()
    try:
        result = _with_progress(engine, settings, options, import_contacts)
    except ImportRefused as exc:
        return fail(f"{exc} Nothing was imported.", 2)
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    return _summary(options, result, seconds)


def _with_progress(engine: Any, settings: Any, options: ImportOptions, work: Any) -> ImportResult:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    label = "Checking" if options.dry_run else "Importing"
    with Progress(
        *columns, console=console, disable=not console.is_terminal, transient=True
    ) as bar:
        task = bar.add_task(f"{label} {options.path.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result: ImportResult = work(engine, settings, options, progress)
        return result


def _summary(o: ImportOptions, r: ImportResult, seconds: float) -> int:
    for line in r.shown:
        sys.stderr.write(line + "\n")
    more = r.problems - len(r.shown)
    if r.report_path is not None:
        tail = (
            f"; all of them are in {r.report_path}" if more > 0 else f" (also in {r.report_path})"
        )
        sys.stderr.write(
            f"{r.problems:,} problem{'s' if r.problems != 1 else ''} in "
            f"{r.rejected:,} row{'s' if r.rejected != 1 else ''}{tail}.\n"
        )
    if r.ignored_columns:
        sys.stderr.write(
            f"Ignored columns (no such field; map them with --map): "
            f"{', '.join(r.ignored_columns)}.\n"
        )
    rate = f"{r.rows / seconds:,.0f} rows/s" if seconds > 0 else ""
    counts = (
        f"{r.created:,} new, {r.updated:,} updated, {r.unchanged:,} unchanged of {r.rows:,} rows"
    )
    if o.dry_run:
        print(f"Dry run: {counts} would be imported; nothing was written ({rate}).")
        return 2 if r.problems else 0
    if not r.written:
        sys.stderr.write(
            "commcentre: Nothing was imported: fix the rows above, or give "
            "--skip-invalid to import the others.\n"
        )
        return 2
    print(f"Imported {o.path.name}: {counts} in {seconds:.1f}s ({rate}).")
    if r.rejected:
        print(
            f"{r.rejected:,} rejected row{'s' if r.rejected != 1 else ''} written to "
            f"{r.rejected_path}."
        )
    return 0
