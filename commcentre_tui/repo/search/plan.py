"""The search planner: which contact ids form a page, in (sort_name, id) order, and a total.

Two ways to produce a page, picked per query by a small cost model:

* **walk** the (sort_name, id) index from the keyset cursor and keep the rows that pass every
  condition: results come out in order, so a common term ("Mar", "%ari%") costs about
  ``limit / density`` index entries (the index covers the name and number columns, so a walked
  row costs ~0.15 µs on SQLite; related tables are only checked for rows that passed the name
  conditions). A last-name = or prefix condition narrows the walk to a sort_name range.
  The walk is bounded, so a rare term never turns into a table scan.
* **candidates**: the most selective condition's index (B-tree for = and prefixes, FTS5 trigram
  or pg_trgm for suffixes and contains) yields the matching ids; every condition is verified on
  those rows and only they are sorted: a rare term costs about its match count.

A name typed into Any (last name, first name or company starts with it) may instead be **split**
(:mod:`.split`): the surname part is a range of the sort index, the rest are sorted candidates,
and the two are merged.

Estimates (:mod:`.run`) are cheap: a capped ``count(*)`` on a B-tree and the FTS5 vocabulary's trigram
document counts on SQLite, the planner's own row estimate on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from commcentre_tui.repo.search.fields import FIELD
from commcentre_tui.repo.search.run import (
    CANDIDATE_ROW,
    WALK_ROW,
    SearchRun,
    contact_only,
)
from commcentre_tui.repo.search.sample import walk_rows
from commcentre_tui.repo.search.split import split_page
from commcentre_tui.repo.search.sql import CONTACT_COLUMNS

#: Tables this small are searched with one plain statement.
SMALL_TABLE = 2000
#: Cost model (µs per row, beside :mod:`.run`'s): checking a related table for a walked row.
#: A walk may spend at least WALK_BUDGET µs.
RELATED_ROW = {"sqlite": 2.0, "postgresql": 3.0}
WALK_BUDGET = 1500.0
#: A walk stops after this many times the rows the estimates said it would need.
WALK_SLACK = 4.0
#: The walk's budget (µs) when every condition matches too many rows to count cheaply.
CAPPED_WALK_BUDGET = 15000.0
#: Candidates this cheap (µs) are taken without trying a walk (its cost depends on how the
#: matches spread over the sort order, which no estimate knows).
CANDIDATES_FINE = {"sqlite": 8000.0, "postgresql": 24000.0}

#: Selectivity assumed for a condition whose match count is unknown.
UNKNOWN_SHARE = 0.3
#: Tests set this to "walk", "candidates", "plain" or "split" to exercise one strategy.
FORCE_STRATEGY: str | None = None


@dataclass
class PageIds:
    """One page of (sort_name, id) keys in display order, and how it was found."""

    keys: list[tuple[str, int]]
    has_more: bool
    has_previous: bool
    strategy: str


class Planner(SearchRun):
    """Plans and runs one search: picks a strategy per page and returns the page's keys."""

    # --- choosing -----------------------------------------------------------------------

    def _walk_costs(self, wanted: int | None = None) -> tuple[float, float]:
        """(rows a walk reads to find ``wanted`` matches, µs per walked row), from the estimates."""
        size = max(self.table_size(), 1)
        ranged = self._range_clause()
        estimates = self.estimates()
        scope = float(size)
        if ranged is not None and estimates[ranged] is not None:
            scope = float(max(estimates[ranged] or 0, 1))
        density, contact_pass, related = 1.0, 1.0, 0
        for i, clause in enumerate(self.clauses):
            if i == ranged:
                continue
            share = UNKNOWN_SHARE if estimates[i] is None else min(1.0, (estimates[i] or 0) / size)
            density *= share
            if contact_only(clause):
                contact_pass *= share
            else:
                related += 1
        rows = min(scope, (wanted or self.limit + 1) / max(density, 1e-9))
        per_row = WALK_ROW[self.be.name] + contact_pass * related * RELATED_ROW[self.be.name]
        return rows, per_row

    def _choose(self, forward: bool, key: tuple[str, int] | None) -> tuple[str, float]:
        """The strategy, and for a walk the rows it may read before candidates take over."""
        if self.table_size() <= SMALL_TABLE:
            return "plain", 0.0
        rows, per_row = self._walk_costs()
        best = self._best()
        estimate = self.source_estimate(best) if best is not None else None
        if best is None or estimate is None:
            return "walk", max(self.limit + 1.0, WALK_BUDGET / per_row)
        if self._capped_clauses[best]:
            # Even the most selective condition matches too many rows to count cheaply: walking
            # is the better bet; the candidates are the fallback.
            self._expected = rows
            return "walk", max(self.limit + 1.0, CAPPED_WALK_BUDGET / per_row)
        candidate_cost = max(estimate, 1) * CANDIDATE_ROW[self.be.name]
        if candidate_cost <= CANDIDATES_FINE[self.be.name]:
            return "candidates", 0.0
        # Matches may cluster in sort order (a surname, a script): where do they lie?
        sampled = walk_rows(self, best, estimate, forward, key)
        if sampled is not None:
            rows = sampled
        if rows * per_row > candidate_cost:
            return "candidates", 0.0
        self._expected = rows
        # Stop once the walk read several times what it should have needed, and no later than
        # where the candidates would have been cheaper.
        budget = min(
            max(WALK_SLACK * rows, WALK_BUDGET / per_row),
            max(candidate_cost / per_row, WALK_BUDGET / per_row),
        )
        return "walk", max(self.limit + 1.0, budget)

    # --- page ---------------------------------------------------------------------------

    def page(self, after: tuple[str, int] | None, before: tuple[str, int] | None) -> PageIds:
        """The keys of one page: forward from ``after`` (or the start), or back from ``before``."""
        forward = before is None
        key = after if forward else before
        if any(all(pred.kind == "none" for pred in c.preds) for c in self.clauses):
            return self._finish([], forward, key, "none")
        if FORCE_STRATEGY in (None, "split") and (
            FORCE_STRATEGY or self.table_size() > SMALL_TABLE
        ):
            split = split_page(self, forward, key, forced=FORCE_STRATEGY == "split")
            if split is not None:
                return self._finish(split, forward, key, "split")
        strategy, budget = (FORCE_STRATEGY, 0.0) if FORCE_STRATEGY else self._choose(forward, key)
        if strategy == "split":  # forced, but not that shape: the planner's own choice
            strategy, budget = self._choose(forward, key)
        if strategy == "walk":
            walked = self._walk(forward, key, int(budget) if budget else None)
            if walked is not None:
                return self._finish(walked, forward, key, "walk")
            strategy = "candidates"
        best = self._best()
        if strategy == "candidates" and best is not None:
            return self._finish(self._candidates(best, forward, key), forward, key, "candidates")
        return self._finish(self._plain(forward, key), forward, key, "plain")

    def _finish(
        self, keys: list[tuple[str, int]], forward: bool, key: tuple[str, int] | None, strategy: str
    ) -> PageIds:
        extra = len(keys) > self.limit
        keys = keys[: self.limit]
        if forward:
            return PageIds(keys, extra, key is not None, strategy)
        return PageIds(list(reversed(keys)), True, extra, strategy)

    def _walk(
        self, forward: bool, key: tuple[str, int] | None, budget: int | None
    ) -> list[tuple[str, int]] | None:
        """Walk the sort index; ``None`` when ``budget`` rows held too few matches."""
        be = self.be
        order = be.order("c", not forward)
        columns = ", ".join(f"c.{c}" for c in CONTACT_COLUMNS)
        if be.pg:  # the LIMIT keeps the walk on the sort index; the outer LIMIT stops it early
            p = be.params()
            window = (
                f"SELECT {columns} FROM contact c WHERE {self._bounds('c', forward, key, p)} "
                f"ORDER BY {order}" + (f" LIMIT {int(budget)}" if budget else "")
            )
            # The outer ORDER BY is needed: with other statistics PostgreSQL may apply the
            # filters as a hash semi-join, which does not keep the window's order.
            rows = self._keys(
                f"SELECT w.id, w.sort_name FROM ({window}) w WHERE "
                f"{self._filters('w', p)} ORDER BY {be.order('w', not forward)} "
                f"LIMIT {self.limit + 1}",
                p,
            )
            if budget is None or len(rows) > self.limit:
                return rows
            p = be.params()
            count = self._scalar(
                f"SELECT count(*) FROM (SELECT 1 FROM contact c WHERE "
                f"{self._bounds('c', forward, key, p)} ORDER BY {order} "
                f"LIMIT {int(budget)}) s",
                p,
            )
            return rows if count < budget else None
        # SQLite: stretches of growing length, each bounded by the key found with OFFSET, so a
        # walk that succeeds early reads little and one that fails stops at its budget.
        found: list[tuple[str, int]] = []
        cursor, left = key, budget
        stretch = max(self.limit + 1, min(budget or 0, int(self._expected or 0) + 1))
        while True:
            end = None
            if left is not None:
                stretch = min(stretch, left)
                p = be.params()
                end = self._run(
                    f"SELECT c.sort_name, c.id FROM contact c{self._walk_index} WHERE "
                    f"{self._bounds('c', forward, cursor, p)} ORDER BY {order} "
                    f"LIMIT 1 OFFSET {stretch - 1}",
                    p,
                ).first()
            p = be.params()
            stop = (
                f" AND {be.beyond('c', (end[0], end[1]), '<=' if forward else '>=', p)}"
                if end
                else ""
            )
            found += self._keys(
                f"SELECT c.id, c.sort_name FROM contact c{self._walk_index} WHERE "
                f"{self._bounds('c', forward, cursor, p)}{stop} AND "
                f"{self._filters('c', p)} ORDER BY {order} "
                f"LIMIT {self.limit + 1 - len(found)}",
                p,
            )
            if end is None or len(found) > self.limit:
                return found
            left = (left or 0) - stretch
            if left <= 0:
                return None
            cursor, stretch = (str(end[0]), int(end[1])), stretch * 2

    def _candidates(
        self, index: int, forward: bool, key: tuple[str, int] | None
    ) -> list[tuple[str, int]]:
        be = self.be
        p = be.params()
        source = self._source(index, p)
        ids = source.sql if source.unique else f"SELECT DISTINCT id FROM ({source.sql}) u"
        where = f"{self._filters('c', p)} AND {be.keyset('c', key, forward, p)}"
        tail = f"ORDER BY {be.order('c', not forward)} LIMIT {self.limit + 1}"
        if be.pg and FIELD[self.clauses[index].preds[0].field].table == "contact" and source.unique:
            # OFFSET 0 fences the filter off from ORDER BY … LIMIT, so PostgreSQL fetches the
            # (few) matches through the indexes instead of walking the sort order.
            p = be.params()
            where = f"{self._filters('c', p)} AND {be.keyset('c', key, forward, p)}"
            return self._keys(
                f"SELECT c.id, c.sort_name FROM (SELECT c.id, c.sort_name FROM "
                f"contact c WHERE {where} OFFSET 0) c {tail}",
                p,
            )
        join = "JOIN contact c" if be.pg else f"CROSS JOIN contact c{self._lookup_index}"
        return self._keys(
            f"SELECT c.id, c.sort_name FROM ({ids}) k {join} ON c.id = k.id WHERE {where} {tail}", p
        )

    def _plain(self, forward: bool, key: tuple[str, int] | None) -> list[tuple[str, int]]:
        """The whole query as one statement: the engine's own planner decides."""
        p = self.be.params()
        return self._keys(
            f"SELECT c.id, c.sort_name FROM contact c WHERE {self._filters('c', p)} "
            f"AND {self._bounds('c', forward, key, p)} ORDER BY "
            f"{self.be.order('c', not forward)} LIMIT {self.limit + 1}",
            p,
        )
