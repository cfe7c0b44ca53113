"""``reports.month_by_day``: one report over the seeded data's last full month, by day.

Each repetition runs the next report of :data:`KINDS` (calls, agents, dispositions,
communications, outbox, care, fcr) for the month before the newest communication, grouped by
day, and times it whole (the query and the shaping). Goal: ≤ 1 s per report. Besides median and
p95 it prints the slowest run of each report (``max_ms_<kind>``) and each report's row count.
Measured at 1,000,000 contacts (10M communications) on the busy shared 2-core machine, after
migration 0017: median/p95 633/1,193 ms on SQLite (agents up to 1.6 s), 372/709 ms on
PostgreSQL; before: 730/4,320 and 833/9,814 ms (fcr). Details: ``docs/reports.md``, "Speed".
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from commcentre_tui.bench.registry import BenchContext, Samples, case
from commcentre_tui.models import Communication
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.reports import KINDS, report


def _last_full_month(ctx: BenchContext) -> tuple[date, date]:
    with reading(ctx.engine) as session:
        newest = session.execute(select(func.max(col(Communication.created_at)))).scalar_one()
    if newest is None:
        raise RuntimeError("the database has no communications; seed it first")
    last = newest.date().replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


@case("reports.month_by_day", "Reports: each report over a month, by day")
def month_by_day(ctx: BenchContext) -> Samples:
    first, last = _last_full_month(ctx)
    days = ctx.settings.communications.first_contact_days
    rows = {
        kind: len(report(ctx.engine, kind, first, last, "day", fcr_days=days).rows)
        for kind in KINDS
    }
    values = []
    per_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for n in range(max(len(KINDS), ctx.repeat)):
        kind = KINDS[n % len(KINDS)]
        started = time.perf_counter()
        report(ctx.engine, kind, first, last, "day", fcr_days=days)
        values.append((time.perf_counter() - started) * 1000)
        per_kind[kind].append(values[-1])
    slowest = {f"max_ms_{k}": round(max(v), 1) for k, v in per_kind.items() if v}
    return Samples(
        values, {"month": f"{first:%Y-%m}", **slowest, **{f"rows_{k}": v for k, v in rows.items()}}
    )
