"""`commcentre notify`: render a template for a segment of contacts and queue it.

Seed 002 "Notifying overdue subscribers": ``commcentre notify --template "Overdue reminder"
--segment overdue``. ``--dry-run`` queues nothing and shows the count, the opt-outs and three
rendered samples. Acts as the system operator unless ``--agent NAME`` is given.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from commcentre_tui.commands.common import (
    common_parent,
    fail,
    open_database,
    os_username,
    settings_from,
)

SEGMENT_CHOICES = ("overdue", "new", "active")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "notify",
        parents=[common_parent()],
        help="render a template for a segment of contacts and queue it",
        description="Render a template for every contact of a segment and queue the messages "
        "(opted-out contacts are counted, never sent).",
    )
    parser.add_argument(
        "--template", required=True, metavar="NAME", help='template name, e.g. "Overdue reminder"'
    )
    parser.add_argument(
        "--segment",
        required=True,
        choices=SEGMENT_CHOICES,
        help="overdue: unpaid bill past due; new: new subscribers since --since; "
        "active: all active subscribers",
    )
    parser.add_argument(
        "--since", type=_date, metavar="DATE", help="first day for --segment new (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="queue nothing; show the count and three samples"
    )
    parser.add_argument(
        "--agent", metavar="USERNAME", help="send as this agent (default: the system operator)"
    )


def _actor(engine: Any, settings: Any, username: str | None) -> Any:
    from dataclasses import replace

    from commcentre_tui.repo.actor_lookup import actor_for
    from commcentre_tui.repo.permissions import SYSTEM

    if username:
        return actor_for(engine, settings, username)
    return replace(SYSTEM, username=f"cli:{os_username() or 'unknown'}")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from commcentre_tui.comms.notify import notify

    if args.segment == "new" and args.since is None:
        return fail("--segment new needs --since DATE (the first day that counts as new).", 2)
    settings = settings_from(args)
    engine = open_database(settings)
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False)
    try:
        actor = _actor(engine, settings, args.agent)
        columns = (
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(
            *columns, console=err, transient=True, disable=not sys.stderr.isatty()
        ) as bar:
            task = bar.add_task("Rendering" if args.dry_run else "Queueing", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = notify(
                engine,
                settings,
                actor,
                template=args.template,
                segment=args.segment,
                since=args.since,
                dry_run=args.dry_run,
                progress=progress,
            )
    finally:
        engine.dispose()
    _print_report(out, report)
    return 0


def _print_report(out: Any, report: Any) -> None:
    from rich.markup import escape

    out.print(escape(report.summary()))
    if report.seconds > 0 and report.matched:
        out.print(f"{report.matched / report.seconds:,.0f} contacts/s in {report.seconds:.1f} s.")
    for problem in report.problems[:5]:
        out.print(f"  skipped: {escape(problem)}")
    if report.dry_run:
        if not report.samples:
            out.print("No message would be sent.")
        for i, sample in enumerate(report.samples, 1):
            out.print(
                f"\n[bold]Sample {i}[/bold] — {escape(sample.name)} ({sample.customer_number}), "
                f"to {escape(sample.recipient)}, language {sample.language}"
            )
            if sample.subject:
                out.print(f"Subject: {escape(sample.subject)}")
            out.print(escape(sample.content.rstrip()))
