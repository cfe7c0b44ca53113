"""The "split" plan for a name typed into Any: last name, first name or company starts with it.

``sort_name`` is "last first" (or the company name when there is no person name), so the
contacts whose sort_name starts with the term are exactly where a walk of the sort index finds
them in order, and every one of them matches. The rest of the matches (a first name or a company
that starts with the term, filed under another letter) are found through their own indexes and
sorted; the page is the first ``limit`` of the two merged. For a term common as a surname and
rare as a first name ("pap", "chr") that is ~``limit`` index entries plus a few hundred
candidates, where a walk of the whole sort order would read tens of thousands of rows before it
gave up. When the other fields match too many rows to sort cheaply, the planner's usual choice
stands (a dense walk then finds a page quickly).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commcentre_tui.repo.search.fields import FIELD

if TYPE_CHECKING:
    from commcentre_tui.repo.search.parse import Pred
    from commcentre_tui.repo.search.run import SearchRun

#: The name fields a split can cover besides the last name.
OTHER_NAMES = frozenset({"first_name", "company_name"})
#: Candidates of the other fields this many or more: leave the page to the usual plan.
MAX_OTHERS = {"sqlite": 4000, "postgresql": 4800}


def _parts(plan: SearchRun) -> tuple[Pred, list[Pred]] | None:
    """(the last-name prefix, the other name conditions), when the search has that shape."""
    if len(plan.clauses) != 1:
        return None
    preds = plan.clauses[0].preds
    last = [q for q in preds if q.field == "last_name" and q.kind == "prefix"]
    others = [q for q in preds if q not in last]
    if len(last) != 1 or not others:
        return None
    if not all(q.field in OTHER_NAMES and q.kind in ("prefix", "exact") for q in others):
        return None
    if any(FIELD[q.field].table != "contact" for q in preds):
        return None
    return last[0], others


def split_page(
    plan: SearchRun, forward: bool, key: tuple[str, int] | None, *, forced: bool = False
) -> list[tuple[str, int]] | None:
    """Up to ``limit + 1`` keys in display order, or ``None`` when the split does not apply
    (another shape, or too many other-field candidates unless ``forced``)."""
    parts = _parts(plan)
    if parts is None:
        return None
    last, others = parts
    be = plan.be
    if not forced:  # a capped count on SQLite, PostgreSQL's own row estimate (a count is slow)
        cap = MAX_OTHERS[be.name]
        if plan._table_estimate("contact", others, cap) >= cap:
            return None
    order = be.order("c", not forward)
    want = plan.limit + 1

    # In the sort_name range: an ordered walk; every row there matches (checked anyway).
    p = be.params()
    walk_index = plan._walk_index
    in_range = plan._keys(
        f"SELECT c.id, c.sort_name FROM contact c{walk_index} WHERE "
        f"{be.keyset('c', key, forward, p)} AND {be.prefix_range('c.sort_name', last.term, p)} "
        f"AND {plan._filters('c', p)} ORDER BY {order} LIMIT {want}",
        p,
    )

    # Outside it: the other fields' matches through their indexes, sorted.
    p = be.params()
    source = be.candidates(others, p)
    join = "JOIN contact c" if be.pg else f"CROSS JOIN contact c{plan._lookup_index}"
    outside = plan._keys(
        f"SELECT c.id, c.sort_name FROM ({source.sql}) k {join} ON c.id = k.id WHERE "
        f"NOT ({be.prefix_range('c.sort_name', last.term, p)}) AND "
        f"{be.keyset('c', key, forward, p)} AND {plan._filters('c', p)} "
        f"ORDER BY {order} LIMIT {want}",
        p,
    )

    # Python orders str by code point: the same order as SQLite's BINARY and PostgreSQL's "C".
    merged = sorted(in_range + outside, reverse=not forward)
    return merged[:want]
