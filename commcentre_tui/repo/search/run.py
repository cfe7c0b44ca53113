"""One parsed search on a connection: what every strategy of the planner shares.

:class:`SearchRun` holds the clauses (contact-row conditions first), runs statements, builds the
filters and keyset bounds, and estimates per clause how many rows match (a capped ``count(*)``
on a B-tree and the FTS5 vocabulary's trigram document counts on SQLite, the planner's own row
estimate on PostgreSQL). :class:`~commcentre_tui.repo.search.plan.Planner` adds the choice of
strategy and the page; :mod:`.sample` and :mod:`.split` work on a ``SearchRun``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from commcentre_tui.repo.search.fields import FIELD, FIELDS
from commcentre_tui.repo.search.parse import Clause, Pred
from commcentre_tui.repo.search.sql import (
    Backend,
    Params,
    Source,
    by_table,
    trigram,
    trigram_terms,
)

#: Cost model (µs per row): walking the covering index; fetching, checking and sorting a
#: candidate (the planner's other costs: :mod:`.plan`).
WALK_ROW = {"sqlite": 0.15, "postgresql": 0.45}
CANDIDATE_ROW = {"sqlite": 2.0, "postgresql": 5.0}
#: Fields where "=" finds a handful of contacts at most: no need to estimate.
SELECTIVE = frozenset(f.name for f in FIELDS if f.selective)
#: Seconds a database's contact count is reused for planning.
SIZE_TTL = 60.0
_SIZES: dict[str, tuple[float, int]] = {}


def contact_only(clause: Clause) -> bool:
    """Whether every condition of ``clause`` is on the contact row itself."""
    return all(FIELD[p.field].table == "contact" for p in clause.preds)


class SearchRun:
    """One search (conditions already parsed into clauses) on ``conn``, ``limit`` per page."""

    def __init__(self, conn: Connection, clauses: Sequence[Clause], limit: int) -> None:
        self.conn = conn
        self.be = Backend(conn.dialect.name)
        # Conditions on the contact row first: they are the cheap ones to check.
        self.clauses = sorted(clauses, key=lambda c: not contact_only(c))
        self.limit = limit
        self._estimates: list[int | None] | None = None
        self._capped = False
        self._capped_clauses: list[bool] = []
        self._expected: float | None = None
        self._size: int | None = None
        self._walk_index = self._lookup_index = ""
        if not self.be.pg:
            names = {
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                    "name IN ('ix_search_contact_walk', 'ix_search_contact_lookup')"
                )
            }
            if "ix_search_contact_walk" in names:
                self._walk_index = " INDEXED BY ix_search_contact_walk"
            if "ix_search_contact_lookup" in names:
                self._lookup_index = " INDEXED BY ix_search_contact_lookup"

    # --- helpers ------------------------------------------------------------------------

    def _run(self, sql: str, p: Params) -> Any:
        return self.conn.exec_driver_sql(sql, dict(p))

    def _keys(self, sql: str, p: Params) -> list[tuple[str, int]]:
        return [(str(r[1]), int(r[0])) for r in self._run(sql, p)]

    def _scalar(self, sql: str, p: Params | None = None) -> int:
        return int(self._run(sql, p or self.be.params()).scalar() or 0)

    def table_size(self) -> int:
        """About how many contacts there are (highest id, or the planner's row count; cached
        for a minute per database, it only steers the plan)."""
        if self._size is None:
            where = str(self.conn.engine.url)
            cached = _SIZES.get(where)
            if cached is not None and time.monotonic() - cached[0] < SIZE_TTL:
                self._size = cached[1]
                return self._size
            size = 0
            if self.be.pg:
                size = self._scalar(
                    "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class "
                    "WHERE oid = 'contact'::regclass"
                )
            self._size = size or self._scalar("SELECT coalesce(max(id), 0) FROM contact")
            _SIZES[where] = (time.monotonic(), self._size)
        return self._size

    def _cap(self) -> int:
        """Counts above this always favour the walk, so estimates stop counting there."""
        cost = (self.limit + 1) * self.table_size() * WALK_ROW[self.be.name]
        return max(100, int(2 * math.sqrt(cost / CANDIDATE_ROW[self.be.name])) + 1)

    def _table_estimate(self, table: str, preds: list[Pred], cap: int) -> int:
        """About how many rows of ``table`` match any of ``preds`` (an upper bound, or capped)."""
        p = self.be.params()
        if self.be.pg:
            sql = self.be.candidates(preds, p).sql
            data = self._run("EXPLAIN (FORMAT JSON) " + sql, p).scalar()
            data = json.loads(data) if isinstance(data, str) else data
            return int(data[0]["Plan"]["Plan Rows"])
        total = 0
        tri = [q for q in preds if trigram(q)]
        rest = [q for q in preds if q not in tri]
        if rest:
            counted = self._scalar(self.be.count_capped(rest, cap, p), p)
            self._capped |= counted >= cap
            total += counted
        if tri:
            terms = list(dict.fromkeys(t for q in tri for t in trigram_terms(q.term)))
            p = self.be.params()
            docs = {
                (str(col), str(term)): int(doc)
                for col, term, doc in self._run(self.be.vocab(table, terms, p), p)
            }
            for q in tri:
                column = FIELD[q.field].column
                total += min(docs.get((column, t), 0) for t in trigram_terms(q.term))
        return total

    def estimates(self) -> list[int | None]:
        """Per clause: about how many rows match (an upper bound, capped), or None if unknown."""
        if self._estimates is None:
            cap = self._cap()
            out: list[int | None] = []
            capped: list[bool] = []
            selective = next(
                (
                    i
                    for i, c in enumerate(self.clauses)
                    if c.preds
                    and all(q.kind in ("exact", "none") and q.field in SELECTIVE for q in c.preds)
                ),
                None,
            )
            for i, clause in enumerate(self.clauses):
                live = [q for q in clause.preds if q.kind != "none"]
                self._capped = False
                if selective is not None:  # that one decides: the others are not counted
                    out.append(len(live) if i == selective else None)
                elif not all(self.be.indexed(q) for q in live):
                    out.append(None)
                else:
                    out.append(
                        sum(self._table_estimate(t, g, cap) for t, g in by_table(live).items())
                    )
                capped.append(self._capped)
            self._estimates, self._capped_clauses = out, capped
        return self._estimates

    def _together(self) -> list[int]:
        """Clauses that are each one "ends with"/"contains" on the contact row: with two or
        more, one trigram lookup finds the contacts matching all of them (an FTS5 ``AND``,
        PostgreSQL's bitmap AND of the GIN index), far fewer than any one of them alone."""
        found = [
            i
            for i, c in enumerate(self.clauses)
            if len(c.preds) == 1
            and trigram(c.preds[0])
            and FIELD[c.preds[0].field].table == "contact"
            and self.estimates()[i] is not None
        ]
        return found if len(found) > 1 else []

    def source_estimate(self, index: int) -> int | None:
        """About how many candidates :meth:`_source` yields for clause ``index`` (for one of
        :meth:`_together`: the product of their shares, as if independent)."""
        estimates = self.estimates()
        together = self._together()
        if index not in together:
            return estimates[index]
        size = max(self.table_size(), 1)
        share = math.prod(min(1.0, (estimates[i] or 0) / size) for i in together)
        return int(size * share) + 1

    def _best(self) -> int | None:
        """The clause whose index yields the fewest candidates (None: no clause has one). A
        capped count (at least that many) loses to any other known estimate: it may be far
        larger."""
        estimates = self.estimates()
        known = [
            (bool(self._capped_clauses[i]), self.source_estimate(i) or 0, i)
            for i, e in enumerate(estimates)
            if e is not None
        ]
        return min(known)[2] if known else None

    def _filters(self, alias: str, p: Params) -> str:
        return " AND ".join(self.be.clause_filter(c.preds, alias, p) for c in self.clauses)

    def _range_clause(self) -> int | None:
        """A last-name = or prefix clause: it bounds sort_name ("last first")."""
        for i, clause in enumerate(self.clauses):
            if len(clause.preds) == 1:
                pred = clause.preds[0]
                if pred.field == "last_name" and pred.kind in ("exact", "prefix"):
                    return i
        return None

    def _bounds(self, alias: str, forward: bool, key: tuple[str, int] | None, p: Params) -> str:
        """Keyset position plus the sort_name range of a last-name clause."""
        sql = self.be.keyset(alias, key, forward, p)
        index = self._range_clause()
        if index is not None:
            term = self.clauses[index].preds[0].term
            sql += " AND " + self.be.prefix_range(f"{alias}.sort_name", term, p)
        return sql

    def _source(self, index: int, p: Params) -> Source:
        together = self._together()
        if index in together:
            return self.be.together([self.clauses[i].preds[0] for i in together], p)
        live = [q for q in self.clauses[index].preds if q.kind != "none"]
        return self.be.candidates(live, p)
