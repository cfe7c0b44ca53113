"""SQL fragments of the search engine, per backend: where each field lives and how it compares.

Every value is a bound parameter; identifiers come only from the declarations of :mod:`.fields`. Text is
compared by code point on both engines (SQLite's BINARY, PostgreSQL's ``COLLATE "C"``), so
ranges, ordering and keyset paging agree. Statements run through ``exec_driver_sql`` with the
driver's own placeholder style (:class:`Params` writes it), so nothing is parsed twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from commcentre_tui.repo.search.fields import FIELD, FIELDS, TABLE
from commcentre_tui.repo.search.parse import Pred

#: Trigram indexes need this many characters.
TRIGRAM = 3

#: Contact columns a filter may read (the covering indexes carry them: :mod:`.index`).
CONTACT_COLUMNS = ("id", "sort_name", *(f.column for f in FIELDS if f.table == "contact"))


class Params(dict[str, object]):
    """Bound parameters of one statement; :meth:`add` returns the driver's placeholder."""

    def __init__(self, pyformat: bool = False) -> None:
        super().__init__()
        self.pyformat = pyformat

    def add(self, value: object) -> str:
        name = f"p{len(self)}"
        self[name] = value
        return f"%({name})s" if self.pyformat else f":{name}"


def next_after_prefix(term: str) -> str | None:
    """The smallest string greater than every string starting with ``term`` (code-point order)."""
    code = ord(term[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    if code > 0x10FFFF:
        return None
    return term[:-1] + chr(code)


def like_escape(term: str) -> str:
    """``term`` with LIKE's metacharacters escaped by backslash (PostgreSQL's default escape)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_query(columns: Sequence[str], term: str) -> str:
    """An FTS5 query for rows where one of ``columns`` contains ``term`` (its trigram phrase)."""
    return "{" + " ".join(columns) + '} : "' + term.replace('"', '""') + '"'


def trigram_terms(term: str, most: int = 24) -> list[str]:
    """Distinct trigrams of ``term`` (at most ``most``: enough for an upper-bound estimate)."""
    seen: dict[str, None] = {}
    for i in range(len(term) - 2):
        seen.setdefault(term[i : i + 3], None)
        if len(seen) >= most:
            break
    return list(seen)


def trigram(pred: Pred) -> bool:
    """Whether ``pred`` is found through the trigram index (suffix/contains of 3+ characters)."""
    return pred.kind in ("suffix", "contains") and len(pred.term) >= TRIGRAM


def by_table(preds: Sequence[Pred]) -> dict[str, list[Pred]]:
    """``preds`` grouped by the table their field lives in (order kept)."""
    groups: dict[str, list[Pred]] = {}
    for pred in preds:
        groups.setdefault(FIELD[pred.field].table, []).append(pred)
    return groups


@dataclass(frozen=True)
class Source:
    """A ``SELECT … AS id`` of contacts that may match a clause."""

    sql: str
    unique: bool
    """No contact id appears twice."""
    exact: bool
    """Every id matches (no verification needed)."""


class Backend:
    """SQL spelling for one engine (``sqlite`` or ``postgresql``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pg = name == "postgresql"

    def params(self) -> Params:
        return Params(pyformat=self.pg)

    def c(self, expr: str) -> str:
        """``expr`` compared by code point."""
        return f'{expr} COLLATE "C"' if self.pg else expr

    def order(self, alias: str, descending: bool = False) -> str:
        way = " DESC" if descending else ""
        return f"{self.c(alias + '.sort_name')}{way}, {alias}.id{way}"

    def beyond(self, alias: str, key: tuple[str, int], op: str, p: Params) -> str:
        """``(sort_name, id) op key`` in a form each engine's index range understands."""
        name, ident = p.add(key[0]), p.add(int(key[1]))
        if self.pg:
            return f"({self.c(alias + '.sort_name')}, {alias}.id) {op} ({name}, {ident})"
        strict = op[0]
        return (
            f"{alias}.sort_name {strict}= {name} AND "
            f"({alias}.sort_name {strict} {name} OR {alias}.id {op} {ident})"
        )

    def keyset(self, alias: str, key: tuple[str, int] | None, forward: bool, p: Params) -> str:
        return "1 = 1" if key is None else self.beyond(alias, key, ">" if forward else "<", p)

    def prefix_range(self, col: str, term: str, p: Params) -> str:
        parts = [f"{self.c(col)} >= {p.add(term)}"]
        upper = next_after_prefix(term)
        if upper is not None:
            parts.append(f"{self.c(col)} < {p.add(upper)}")
        return " AND ".join(parts)

    def pred(self, pred: Pred, col: str, p: Params) -> str:
        """The exact truth of ``pred`` on column expression ``col``."""
        term, n = pred.term, len(pred.term)
        if pred.kind == "none":
            return "1 = 0"
        if pred.kind == "exact":
            return f"{col} = {p.add(term)}"
        if pred.kind == "prefix":
            exact = self.prefix_range(col, term, p)
            if next_after_prefix(term) is None:
                exact += f" AND substr({col}, 1, {n}) = {p.add(term)}"
            return exact
        if self.pg:
            # LIKE with every metacharacter escaped is exact, and lets pg_trgm's GIN serve it.
            tail = "" if pred.kind == "suffix" else "%"
            return f"{col} LIKE {p.add('%' + like_escape(term) + tail)}"
        if pred.kind == "suffix":
            return f"substr({col}, -{n}) = {p.add(term)}"
        return f"instr({col}, {p.add(term)}) > 0"

    def filter(self, pred: Pred, alias: str, p: Params) -> str:
        """``pred`` as a condition on the contact row ``alias``."""
        spec = FIELD[pred.field]
        if spec.table == "contact":
            return self.pred(pred, f"{alias}.{spec.column}", p)
        owner = TABLE[spec.table]
        inner = self.pred(pred, f"t.{spec.column}", p)
        return (
            f"EXISTS (SELECT 1 FROM {spec.table} t{owner.joins} WHERE {owner.owner} = {alias}.id "
            f"AND {inner})"
        )

    def clause_filter(self, preds: Sequence[Pred], alias: str, p: Params) -> str:
        parts = [self.filter(pred, alias, p) for pred in preds]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    @staticmethod
    def indexed(pred: Pred) -> bool:
        """Whether an index can find ``pred``'s rows without scanning."""
        return pred.kind in ("exact", "prefix", "none") or len(pred.term) >= TRIGRAM

    def _any_of(self, preds: Sequence[Pred], p: Params) -> str:
        parts = [self.pred(pred, f"t.{FIELD[pred.field].column}", p) for pred in preds]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(f"({x})" for x in parts) + ")"

    def candidates(self, preds: Sequence[Pred], p: Params) -> Source:
        """Contacts that may match any of ``preds`` (one clause), through their indexes."""
        selects: list[tuple[str, bool]] = []  # (sql, exact)
        groups = by_table(preds)
        for table, group in groups.items():
            joins, cid, fts = TABLE[table].joins, TABLE[table].owner, TABLE[table].fts
            tri = [q for q in group if trigram(q)] if not self.pg else []
            rest = [q for q in group if q not in tri]
            if rest:
                selects.append(
                    (
                        f"SELECT {cid} AS id FROM {table} t{joins} WHERE {self._any_of(rest, p)}",
                        True,
                    )
                )
            for term in dict.fromkeys(q.term for q in tri):
                same = [q for q in tri if q.term == term]
                columns = list(dict.fromkeys(FIELD[q.field].column for q in same))
                match = f"f.{fts} MATCH {p.add(fts_query(columns, term))}"
                if table == "contact":
                    selects.append((f"SELECT f.rowid AS id FROM {fts} f WHERE {match}", False))
                else:
                    selects.append(
                        (
                            f"SELECT {cid} AS id FROM {fts} f CROSS JOIN {table} t "
                            f"ON t.id = f.rowid{joins} WHERE {match} AND "
                            f"{self._any_of(same, p)}",
                            True,
                        )
                    )
        unique = len(selects) == 1 and list(groups) == ["contact"]
        return Source(
            " UNION ALL ".join(s for s, _ in selects), unique, all(exact for _, exact in selects)
        )

    def together(self, preds: Sequence[Pred], p: Params) -> Source:
        """Contacts that may match every one of ``preds`` (trigram conditions on the contact
        row, all of which must hold) through one index lookup."""
        if self.pg:
            where = " AND ".join(self.pred(q, f"t.{FIELD[q.field].column}", p) for q in preds)
            return Source(f"SELECT t.id AS id FROM contact t WHERE {where}", True, True)
        fts = TABLE["contact"].fts
        query = " AND ".join(f"({fts_query([FIELD[q.field].column], q.term)})" for q in preds)
        return Source(
            f"SELECT f.rowid AS id FROM {fts} f WHERE f.{fts} MATCH {p.add(query)}", True, False
        )

    def count_capped(self, preds: Sequence[Pred], cap: int, p: Params) -> str:
        """``SELECT count(*)`` of the rows of one table matching any of ``preds``, up to ``cap``."""
        table = FIELD[preds[0].field].table
        return (
            f"SELECT count(*) FROM (SELECT 1 FROM {table} t WHERE {self._any_of(preds, p)} "
            f"LIMIT {int(cap)}) s"
        )

    def vocab(self, table: str, terms: Sequence[str], p: Params) -> str:
        """SQLite: per column, the documents holding each trigram (one vocabulary lookup)."""
        marks = ", ".join(p.add(t) for t in terms)
        return f"SELECT col, term, doc FROM {TABLE[table].vocab} WHERE term IN ({marks})"
