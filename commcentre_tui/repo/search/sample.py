"""How far a walk must go, judged from samples instead of a uniform-density guess.

Matches often cluster in the result order: one surname ("Papadopoulos"), or a script (names in
Greek letters sort after every Latin one). A walk from the start then reads far more rows than
``limit / density``. Two cheap samples fix the estimate:

* a sample of every contact's sort key (a few hundred, cached per database for a while) maps a
  key to its approximate position in the (sort_name, id) order;
* the sort keys of the first few matches the candidate index yields (in row-id order, which is
  unrelated to names) show where the matches lie in that order.

The walk must reach about the ``(limit+1)/M``-quantile of the matches (M matches beyond the
cursor); the position sample turns that key into a row count.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from typing import TYPE_CHECKING

from commcentre_tui.repo.search.sql import trigram

if TYPE_CHECKING:
    from commcentre_tui.repo.search.run import SearchRun

#: Contacts sampled for the position of a sort key, and how long that sample is reused.
POSITION_SAMPLE = 400
POSITION_TTL = 600.0
#: Matches sampled from the candidate index, out of at most this many candidates.
MATCH_SAMPLE = 40
MATCH_EXAMINE = 160
_POSITIONS: dict[str, tuple[float, list[str]]] = {}


def positions(plan: SearchRun) -> list[str]:
    """Sorted sort keys of randomly chosen contacts (cached per database)."""
    where = str(plan.conn.engine.url)
    cached = _POSITIONS.get(where)
    if cached is not None and time.monotonic() - cached[0] < POSITION_TTL:
        return cached[1]
    top = plan._scalar("SELECT coalesce(max(id), 0) FROM contact")
    ids = random.Random(top).sample(range(1, top + 1), min(POSITION_SAMPLE, top)) if top else []
    keys: list[str] = []
    if ids:
        p = plan.be.params()
        marks = ", ".join(p.add(i) for i in ids)
        keys = sorted(
            str(r[0]) for r in plan._run(f"SELECT sort_name FROM contact WHERE id IN ({marks})", p)
        )
    _POSITIONS[where] = (time.monotonic(), keys)
    return keys


def share_before(keys: list[str], name: str | None) -> float:
    """About what share of all contacts sort before ``name``."""
    if name is None or not keys:
        return 0.0
    return bisect.bisect_left(keys, name) / len(keys)


def walk_rows(
    plan: SearchRun, index: int, estimate: int, forward: bool, key: tuple[str, int] | None
) -> float | None:
    """Rows a walk would read to find a page, judged from where sampled matches lie; ``None``
    when the sample says nothing (too few candidates)."""
    preds = plan.clauses[index].preds
    if (
        plan._range_clause() is not None
        or estimate < MATCH_SAMPLE * 4
        or not all(trigram(q) for q in preds)
    ):
        return None  # (a B-tree yields rows in its own order: no fair sample)
    p = plan.be.params()
    source = plan._source(index, p)
    join = "JOIN contact c" if plan.be.pg else f"CROSS JOIN contact c{plan._lookup_index}"
    rows = plan._run(
        f"SELECT c.sort_name, c.id, CASE WHEN {plan._filters('c', p)} AND "
        f"{plan.be.keyset('c', key, forward, p)} THEN 1 ELSE 0 END FROM (SELECT id FROM "
        f"({source.sql}) u LIMIT {MATCH_EXAMINE}) k {join} ON c.id = k.id",
        p,
    ).all()
    found = sorted((str(r[0]), int(r[1])) for r in rows if r[2])
    if not forward:
        found.reverse()
    # Fewer candidates than examined: the index holds no more, so the matches are all here
    # (the trigram estimate is only an upper bound, often far above).
    exhausted = len(rows) < MATCH_EXAMINE
    if len(found) < MATCH_SAMPLE // 2 and not exhausted:
        return None
    matches = len(found) if exhausted else estimate * len(found) / max(len(rows), 1)
    need = max(1, math.ceil((plan.limit + 1) * len(found) / max(matches, 1) * 1.5))
    keys = positions(plan)
    start = share_before(keys, key[0] if key else None)
    if need > len(found):
        target = 1.0 if forward else 0.0
    else:
        target = share_before(keys, found[need - 1][0])
    return abs(target - start) * plan.table_size() + plan.limit + 1
