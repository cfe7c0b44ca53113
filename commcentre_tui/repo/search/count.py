"""Result totals: exact when small, "1,000+" when large, never a count of a huge set.

:func:`page_total` is what :func:`~commcentre_tui.repo.search.api.search_contacts` puts on a page: it
counts only when the cost model says it is cheap (``PAGE_BUDGET``) and otherwise says "N+"
with N a true lower bound (the page's own matches). :func:`full_total` counts up to
``TOTAL_CAP`` whatever it costs (bounded by ``FULL_WORK`` candidates): for a background worker
or the command line.
"""

from __future__ import annotations

from commcentre_tui.repo.search import plan as planning
from commcentre_tui.repo.search.fields import FIELD
from commcentre_tui.repo.search.plan import UNKNOWN_SHARE, PageIds, Planner
from commcentre_tui.repo.search.run import CANDIDATE_ROW
from commcentre_tui.repo.search.sql import CONTACT_COLUMNS, by_table, trigram

#: Totals above this show as "1,000+".
TOTAL_CAP = 1000
#: What a page's total may cost (µs) before it settles for a lower bound.
PAGE_BUDGET = 2000.0
#: Candidate rows a page's total may examine.
PAGE_WORK = 4000
#: Candidate rows :func:`full_total` may examine.
FULL_WORK = 200_000
#: µs per candidate when counting: a lookup without the sort (PostgreSQL visits the heap).
COUNT_ROW = {"sqlite": 1.0, "postgresql": 5.0}
#: µs a counting walk adds per row to the page walk's cost (every condition is evaluated).
COUNT_WALK_ROW = {"sqlite": 0.35, "postgresql": 0.3}


def text(count: int, exhaustive: bool, seen: int) -> str:
    """ "37", "1,000+", or "N+" (at least N) when the count stopped early."""
    if count > TOTAL_CAP:
        return f"{TOTAL_CAP:,}+"
    return f"{count:,}" if exhaustive else f"{max(count, seen):,}+"


def page_total(plan: Planner, page: PageIds, first_page: bool) -> str:
    """The total shown with a page: exact or capped where cheap, else a lower bound."""
    if page.strategy == "none":
        return "0"
    if first_page and not page.has_more:
        return str(len(page.keys))
    return _count(plan, len(page.keys) + int(page.has_more), PAGE_BUDGET, PAGE_WORK)


def full_total(plan: Planner) -> str:
    """The total, exact up to ``TOTAL_CAP`` (bounded by ``FULL_WORK`` candidates)."""
    if any(all(q.kind == "none" for q in c.preds) for c in plan.clauses):
        return "0"
    return _count(plan, 0, float("inf"), FULL_WORK)


def _count(plan: Planner, seen: int, budget: float, work: int) -> str:
    cap = TOTAL_CAP + 1
    p = plan.be.params()
    if plan.table_size() <= planning.SMALL_TABLE:
        count = plan._scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM contact c WHERE "
            f"{plan._filters('c', p)} LIMIT {cap}) s",
            p,
        )
        return text(count, True, seen)
    if len(plan.clauses) == 1 and all(
        q.kind in ("exact", "prefix", "none") and FIELD[q.field].table == "contact"
        for q in plan.clauses[0].preds
    ):
        return _count_btree(plan, seen)
    best = plan._best()
    rows, per_row = plan._walk_costs(cap)
    per_row += COUNT_WALK_ROW[plan.be.name]
    estimate = plan.source_estimate(best) if best is not None else None
    walk_rows = (
        work * 5
        if budget == float("inf")
        else int(min(max(cap, budget / per_row), max(cap, 2 * rows)))
    )
    walk_cost = min(rows, walk_rows) * per_row
    candidate_cost = _candidate_cost(plan, best, cap, work) if best is not None else float("inf")
    if min(walk_cost, candidate_cost) > budget:
        return f"{seen:,}+"
    if best is None or walk_cost < candidate_cost and estimate is not None:
        window = (
            f"SELECT {', '.join('c.' + c for c in CONTACT_COLUMNS)} FROM contact "
            f"c{plan._walk_index} WHERE {plan._bounds('c', True, None, p)} ORDER BY "
            f"{plan.be.order('c')} LIMIT {walk_rows}"
        )
        row = plan._run(
            f"SELECT count(*), coalesce(sum(CASE WHEN {plan._filters('w', p)} "
            f"THEN 1 ELSE 0 END), 0) FROM ({window}) w",
            p,
        ).first()
        return text(int(row[1]), int(row[0]) < walk_rows, seen)
    source = plan._source(best, p)
    ids = f"SELECT {'' if source.unique else 'DISTINCT '}id FROM ({source.sql}) u"
    join = "JOIN contact c" if plan.be.pg else f"CROSS JOIN contact c{plan._lookup_index}"
    count = plan._scalar(
        f"SELECT count(*) FROM (SELECT c.id FROM ({ids} LIMIT {work}) k {join} "
        f"ON c.id = k.id WHERE {plan._filters('c', p)} LIMIT {cap}) s",
        p,
    )
    if count >= cap:
        return text(count, True, seen)
    p = plan.be.params()
    examined = plan._scalar(
        f"SELECT count(*) FROM (SELECT 1 FROM ({plan._source(best, p).sql}) u LIMIT {work}) s", p
    )
    return text(count, examined < work, seen)


def _count_btree(plan: Planner, seen: int) -> str:
    """One clause of = and prefix conditions on contact columns: count each through its
    B-tree (index-only), and their union only when every part is small."""
    cap = TOTAL_CAP + 1
    preds = [q for q in plan.clauses[0].preds if q.kind != "none"]
    for pred in preds:
        p = plan.be.params()
        if plan._scalar(plan.be.count_capped([pred], cap, p), p) >= cap:
            return text(cap, True, seen)
    p = plan.be.params()
    source = plan.be.candidates(preds, p)
    ids = source.sql if source.unique else f"SELECT DISTINCT id FROM ({source.sql}) u"
    return text(plan._scalar(f"SELECT count(*) FROM ({ids}) s", p), True, seen)


def _candidate_cost(plan: Planner, index: int, wanted: int, work: int) -> float:
    """µs to count ``wanted`` matches (or all) through clause ``index``'s candidates."""
    size = max(plan.table_size(), 1)
    estimates = plan.estimates()
    others = 1.0
    for i, estimate in enumerate(estimates):
        if i != index:
            others *= UNKNOWN_SHARE if estimate is None else min(1.0, estimate / size)
    preds = plan.clauses[index].preds
    exactish = 1.0 if not any(trigram(q) for q in preds) else 0.7
    if estimates[index] is None:
        return float("inf")
    source = float(plan.source_estimate(index) or 0)
    rows = min(source, wanted / max(others * exactish, 1e-9), float(work))
    cost = rows * COUNT_ROW.get(plan.be.name, CANDIDATE_ROW[plan.be.name])
    if any(FIELD[q.field].table != "contact" for q in preds) or len(by_table(preds)) > 1:
        cost *= 1.5  # DISTINCT over ids that may repeat
    return cost
