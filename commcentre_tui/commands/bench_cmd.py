"""`commcentre bench`: measure search (and other areas') speed on a seeded database."""

from __future__ import annotations

import argparse
import json

from commcentre_tui.commands.common import common_parent, fail, settings_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "bench",
        parents=[common_parent()],
        help="measure search, console and delivery speed on a seeded database",
        description="Seeds (or reuses) a database of --contacts contacts per backend and runs each "
        "registered case --repeat times: median and p95 per case, or per_s for throughputs. "
        "With --database the given, already seeded database is used as it is.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per case per line")
    parser.add_argument(
        "--contacts",
        type=int,
        default=100_000,
        metavar="N",
        help="data size to seed or expect (default 100,000)",
    )
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql", "both"),
        default="sqlite",
        help="which engine(s) to measure (default sqlite)",
    )
    parser.add_argument(
        "--case",
        action="append",
        metavar="GLOB",
        help="only cases matching GLOB, e.g. 'search.*' (repeatable)",
    )
    parser.add_argument(
        "--repeat", type=int, default=200, metavar="N", help="timed runs per case (default 200)"
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument(
        "--reliability",
        action="store_true",
        help="run the reliability scenarios at full size instead (20 agents for "
        "COMMCENTRE_RELIABILITY_SECONDS=60 s, worker kills over "
        "COMMCENTRE_RELIABILITY_MESSAGES=5000 emails, the upgrade), each on a "
        "scratch database; --case filters them",
    )


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.bench import REGISTRY
    from commcentre_tui.bench.runner import BenchError, discover, prepare, run_backend, selected

    if args.reliability:
        return _reliability(args)
    discover()
    names = selected(args.case)
    if args.list:
        for name in names:
            print(f"{name}  {REGISTRY[name].description}")
        return 0
    if not names:
        return fail(
            f"No benchmark case matches {', '.join(args.case)}; see `commcentre bench --list`."
        )
    if args.repeat < 1 or args.contacts < 1:
        return fail("--repeat and --contacts must be at least 1.")
    database = getattr(args, "database", None)
    if database and args.backend == "both":
        return fail("--database names one database; drop --backend both or --database.")
    settings = settings_from(args)
    rows: list[dict[str, object]] = []

    def report(row: dict[str, object]) -> None:
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        rows.append(row)

    try:
        if database:
            urls = [database]
        else:
            backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
            urls = [prepare(b, args.contacts, settings) for b in backends]
        for url in urls:
            run_backend(url, settings, args.case, args.repeat, report)
    except BenchError as exc:
        return fail(str(exc), 1)
    if not args.json:
        _table(rows)
    return 0 if all("error" not in r for r in rows) else 1


def _reliability(args: argparse.Namespace) -> int:
    """``--reliability``: the reliability scenarios (``bench.reliability``) as result rows."""
    import fnmatch

    from commcentre_tui.bench.reliability import CASES, run_reliability

    if args.list:
        for name in CASES:
            print(name)
        return 0
    if getattr(args, "database", None):
        return fail("--reliability makes its own scratch databases; drop --database.", 2)
    patterns = args.case or ["*"]
    if not any(fnmatch.fnmatchcase(n, p) for n in CASES for p in patterns):
        return fail(
            f"No reliability scenario matches {', '.join(patterns)}; see "
            "`commcentre bench --reliability --list`."
        )
    rows: list[dict[str, object]] = []

    def report(row: dict[str, object]) -> None:
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        rows.append(row)

    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    run_reliability(
        backends,
        settings_from(args),
        report,
        only=lambda name: any(fnmatch.fnmatchcase(name, p) for p in patterns),
    )
    if not args.json:
        _table(rows)
    return 0 if all("error" not in r for r in rows) else 1


#: Keys shown in the table's own columns; any others of a row go to "notes".
_COLUMNS = (
    "case",
    "backend",
    "contacts",
    "n",
    "median_ms",
    "p95_ms",
    "per_s",
    "raw_median_ms",
    "raw_p95_ms",
    "raw_ratio_p95",
    "raw_agrees",
    "error",
)


def _table(rows: list[dict[str, object]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(header_style="bold")
    notes = any(set(row) - set(_COLUMNS) for row in rows)
    for column in (
        "case",
        "backend",
        "contacts",
        "n",
        "median ms",
        "p95 ms",
        "per s",
        "raw median",
        "raw p95",
        "p95/raw",
        *(("notes",) if notes else ()),
    ):
        table.add_column(
            column, justify="left" if column in ("case", "backend", "notes") else "right"
        )

    def cell(row: dict[str, object], key: str) -> str:
        value = row.get(key)
        if value is None:
            return ""
        return (
            f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
        )

    for row in rows:
        if "error" in row:
            table.add_row(
                str(row["case"]),
                str(row.get("backend", "")),
                cell(row, "contacts"),
                "",
                f"[red]{escape(str(row['error']))}[/red]",
            )
            continue
        cells = [
            cell(row, k)
            for k in (
                "case",
                "backend",
                "contacts",
                "n",
                "median_ms",
                "p95_ms",
                "per_s",
                "raw_median_ms",
                "raw_p95_ms",
                "raw_ratio_p95",
            )
        ]
        if row.get("raw_agrees") is False:
            cells[-1] += " (results differ!)"
        if notes:
            cells.append(", ".join(f"{k} {cell(row, k)}" for k in row if k not in _COLUMNS))
        table.add_row(*cells)
    console = Console()
    console.width = max(console.width, 150)
    console.print(table)
