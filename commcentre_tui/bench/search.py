"""Search benchmarks: the first page of 50 through :func:`search_contacts`, as the console calls
it, each with a hand-written raw-SQL twin of the same query for the ratio the issue asks for.

Goals at 1,000,000 contacts: exact phone/account and prefix p95 ≤ 5 ms; suffix, contains,
advanced (3 conditions) and latest communications p95 ≤ 30 ms.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import Any

from commcentre_tui.bench.registry import BenchContext, Samples, Timed, case
from commcentre_tui.repo.search.api import Condition, latest_communications, search_contacts
from commcentre_tui.repo.search.sql import like_escape, next_after_prefix
from commcentre_tui.text import canon_id, to_e164

PAGE = 50
NAMES = ("last_name_norm", "first_name_norm", "company_name_norm")


def _raw(ctx: BenchContext, sql_sqlite: str, sql_pg: str) -> Callable[[Sequence[Any]], list[int]]:
    """A runner of one raw statement on a dedicated DBAPI connection (``?`` placeholders)."""
    key = "raw_connection"
    if key not in ctx.cache:
        ctx.cache[key] = ctx.engine.raw_connection()
    conn = ctx.cache[key]
    pg = ctx.backend == "postgresql"
    sql = sql_pg.replace("?", "%s") if pg else sql_sqlite

    def run(params: Sequence[Any]) -> list[int]:
        cur = conn.cursor()
        try:
            cur.execute(sql, tuple(params))
            rows = [int(r[0]) for r in cur.fetchall()]
        finally:
            cur.close()
        if pg:
            conn.rollback()
        return rows

    return run


def _order(pg: bool, alias: str = "c") -> str:
    return f'{alias}.sort_name COLLATE "C", {alias}.id' if pg else f"{alias}.sort_name, {alias}.id"


def _same(page: Any, raw_ids: list[int]) -> bool:
    return [h.contact_id for h in page.hits] == raw_ids


def _quick(ctx: BenchContext, field: str, op: str, value: str) -> Any:
    return search_contacts(ctx.engine, ctx.settings, [Condition(field, op, value)], limit=PAGE)


def _names_raw(ctx: BenchContext, kind: str) -> Callable[[Sequence[Any]], list[int]]:
    """Raw "any name" search: FTS5 trigram (SQLite) or LIKE over pg_trgm (PostgreSQL), sorted."""
    if kind == "prefix":
        sqlite_where = " OR ".join(f"(c.{c} >= ? AND c.{c} < ?)" for c in NAMES)
        pg_where = " OR ".join(f'(c.{c} COLLATE "C" >= ? AND c.{c} COLLATE "C" < ?)' for c in NAMES)
    else:
        check = "substr(c.{c}, -?) = ?" if kind == "suffix" else "instr(c.{c}, ?) > 0"
        sqlite_where = (
            "c.id IN (SELECT rowid FROM contact_fts WHERE contact_fts MATCH ?) AND ("
            + " OR ".join(check.format(c=c) for c in NAMES)
            + ")"
        )
        pg_where = " OR ".join(f"c.{c} LIKE ?" for c in NAMES)
    tail = "ORDER BY {order} LIMIT 50"
    return _raw(
        ctx,
        f"SELECT c.id FROM contact c WHERE {sqlite_where} {tail.format(order=_order(False))}",
        f"SELECT c.id FROM contact c WHERE {pg_where} {tail.format(order=_order(True))}",
    )


def _names_params(ctx: BenchContext, kind: str, term: str) -> list[Any]:
    pg = ctx.backend == "postgresql"
    if kind == "prefix":
        return [term, next_after_prefix(term)] * 3
    if pg:
        pattern = "%" + like_escape(term) + ("" if kind == "suffix" else "%")
        return [pattern] * 3
    match = "{" + " ".join(NAMES) + '} : "' + term.replace('"', '""') + '"'
    checks = [len(term), term] * 3 if kind == "suffix" else [term] * 3
    return [match, *checks]


def _names_case(ctx: BenchContext, kind: str, values: list[str]) -> Timed:
    raw = _names_raw(ctx, kind)
    terms = [v.strip("%").lower() for v in values]
    return Timed(
        run=lambda i: _quick(ctx, "any", "like", values[i % len(values)]),
        raw=lambda i: raw(_names_params(ctx, kind, terms[i % len(terms)])),
        check=_same,
    )


@case("search.exact_phone", "Quick Search, phone = a national number (E.164 match)")
def exact_phone(ctx: BenchContext) -> Timed:
    phones = ctx.sample("SELECT e164 FROM contact_phone WHERE id BETWEEN :lo AND :hi", 200)
    typed = [f"{p[4:6]} {p[6:]}" if p.startswith("+357") else p for p in phones]
    raw = _raw(
        ctx,
        "SELECT c.id FROM contact_phone p JOIN contact c ON c.id = p.contact_id "
        f"WHERE p.e164 = ? ORDER BY {_order(False)} LIMIT 50",
        "SELECT c.id FROM contact_phone p JOIN contact c ON c.id = p.contact_id "
        f"WHERE p.e164 = ? ORDER BY {_order(True)} LIMIT 50",
    )
    return Timed(
        run=lambda i: _quick(ctx, "phone", "=", typed[i % len(typed)]),
        raw=lambda i: raw([phones[i % len(phones)]]),
        check=_same,
    )


@case("search.exact_account", "Quick Search, account number =")
def exact_account(ctx: BenchContext) -> Timed:
    numbers = ctx.sample("SELECT number FROM account WHERE id BETWEEN :lo AND :hi", 200)
    raw = _raw(
        ctx,
        "SELECT c.id FROM account a JOIN contact c ON c.id = a.contact_id "
        f"WHERE a.number = ? ORDER BY {_order(False)} LIMIT 50",
        "SELECT c.id FROM account a JOIN contact c ON c.id = a.contact_id "
        f"WHERE a.number = ? ORDER BY {_order(True)} LIMIT 50",
    )
    return Timed(
        run=lambda i: _quick(ctx, "account_number", "=", numbers[i % len(numbers)]),
        raw=lambda i: raw([numbers[i % len(numbers)]]),
        check=_same,
    )


@case("search.any_national_id", "Quick Search, Any field = a national ID typed without its space")
def any_national_id(ctx: BenchContext) -> Timed:
    ids = ctx.sample("SELECT national_id FROM contact WHERE id BETWEEN :lo AND :hi", 200)
    typed = [canon_id(v) for v in ids]  # "1234 5678" typed as 12345678: national ID or phone
    match = (
        "c.national_id_norm = ? OR EXISTS (SELECT 1 FROM contact_phone p "
        "WHERE p.contact_id = c.id AND p.e164 = ?)"
    )
    raw = _raw(
        ctx,
        f"SELECT c.id FROM contact c WHERE {match} ORDER BY {_order(False)} LIMIT 50",
        f"SELECT c.id FROM contact c WHERE {match} ORDER BY {_order(True)} LIMIT 50",
    )
    return Timed(
        run=lambda i: _quick(ctx, "any", "=", typed[i % len(typed)]),
        raw=lambda i: raw([typed[i % len(typed)], to_e164(typed[i % len(typed)], "CY")]),
        check=_same,
    )


@case("search.prefix", "Quick Search, Any field like 'Mar' (names starting with)")
def prefix(ctx: BenchContext) -> Timed:
    return _names_case(ctx, "prefix", ["Mar"])


@case("search.suffix", "Quick Search, Any field like '%ria' (names ending with)")
def suffix(ctx: BenchContext) -> Timed:
    return _names_case(ctx, "suffix", ["%ria"])


@case("search.contains", "Quick Search, Any field like '%ari%' (names containing)")
def contains(ctx: BenchContext) -> Timed:
    return _names_case(ctx, "contains", ["%ari%"])


def _random_terms(ctx: BenchContext, n: int = 100) -> list[str]:
    """Three-letter terms: half cut from real names (common to rare), half random letters."""
    names = ctx.sample(
        "SELECT last_name_norm || ' ' || first_name_norm FROM contact WHERE id BETWEEN :lo AND :hi",
        n,
    )
    terms: list[str] = []
    for name in names[: n // 2]:
        letters = name.replace(" ", "")
        if len(letters) >= 3:
            start = ctx.rng.randint(0, len(letters) - 3)
            terms.append(letters[start : start + 3])
    while len(terms) < n:
        terms.append("".join(ctx.rng.choice(string.ascii_lowercase) for _ in range(3)))
    ctx.rng.shuffle(terms)
    return terms


@case("search.contains_random", "Quick Search, Any field like '%xyz%' for 100 three-letter terms")
def contains_random(ctx: BenchContext) -> Timed:
    return _names_case(ctx, "contains", [f"%{t}%" for t in _random_terms(ctx)])


@case("search.advanced3", "Advanced Search: last name starts, first name starts, city =")
def advanced3(ctx: BenchContext) -> Timed:
    rows = ctx.cache.get("advanced3")
    if rows is None:
        ids = ctx.sample(
            "SELECT c.id FROM contact c WHERE c.id BETWEEN :lo AND :hi AND "
            "c.last_name_norm <> '' AND c.first_name_norm <> ''",
            100,
        )
        with ctx.engine.connect() as conn:
            from sqlalchemy import text

            rows = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT c.last_name, c.first_name, a.city, c.last_name_norm, c.first_name_norm, "
                        "a.city_norm FROM contact c JOIN contact_address a ON a.contact_id = c.id "
                        f"WHERE c.id IN ({', '.join(str(int(i)) for i in ids)})"
                    )
                )
            ]
        ctx.cache["advanced3"] = rows
    pg = ctx.backend == "postgresql"
    c = (lambda col: f'{col} COLLATE "C"') if pg else (lambda col: col)
    where = (
        f"{c('c.last_name_norm')} >= ? AND {c('c.last_name_norm')} < ? AND "
        f"{c('c.first_name_norm')} >= ? AND {c('c.first_name_norm')} < ? AND EXISTS (SELECT 1 "
        "FROM contact_address a WHERE a.contact_id = c.id AND a.city_norm = ?)"
    )
    raw = _raw(
        ctx,
        f"SELECT c.id FROM contact c WHERE {where} ORDER BY {_order(False)} LIMIT 50",
        f"SELECT c.id FROM contact c WHERE {where} ORDER BY {_order(True)} LIMIT 50",
    )

    def conditions(i: int) -> list[Condition]:
        last, first, city = rows[i % len(rows)][:3]
        return [
            Condition("last_name", "like", last[:3]),
            Condition("first_name", "like", first[:2]),
            Condition("city", "=", city),
        ]

    def raw_params(i: int) -> list[Any]:
        last, first, city = rows[i % len(rows)][3:]
        return [
            last[:3],
            next_after_prefix(last[:3]),
            first[:2],
            next_after_prefix(first[:2]),
            city,
        ]

    return Timed(
        run=lambda i: search_contacts(
            ctx.engine, ctx.settings, conditions(i), mode="advanced", limit=PAGE
        ),
        raw=lambda i: raw(raw_params(i)),
        check=_same,
    )


@case("search.latest", "Latest Communications of an agent (communications_limit rows)")
def latest(ctx: BenchContext) -> Timed:
    agents = ctx.sample("SELECT id FROM agent WHERE id BETWEEN :lo AND :hi", 50, lo=0, hi=10**9)
    limit = ctx.settings.search.communications_limit or 50
    raw = _raw(
        ctx,
        "SELECT m.id FROM communication m JOIN contact c ON c.id = m.contact_id "
        f"WHERE m.agent_id = ? ORDER BY m.created_at DESC, m.id DESC LIMIT {int(limit)}",
        "SELECT m.id FROM communication m JOIN contact c ON c.id = m.contact_id "
        f"WHERE m.agent_id = ? ORDER BY m.created_at DESC, m.id DESC LIMIT {int(limit)}",
    )
    return Timed(
        run=lambda i: latest_communications(ctx.engine, ctx.settings, agents[i % len(agents)]),
        raw=lambda i: raw([agents[i % len(agents)]]),
        check=lambda rows, ids: [r.communication_id for r in rows] == ids,
    )


@case("search.next_page", "Quick Search 'Mar', second page (keyset after the first)")
def next_page(ctx: BenchContext) -> Timed:
    first = _quick(ctx, "any", "like", "Mar")
    key = first.hits[-1].sort_key
    pg = ctx.backend == "postgresql"
    where = " OR ".join(
        (
            f'(c.{col} COLLATE "C" >= ? AND c.{col} COLLATE "C" < ?)'
            if pg
            else f"(c.{col} >= ? AND c.{col} < ?)"
        )
        for col in NAMES
    )
    keyset = '(c.sort_name COLLATE "C", c.id) > (?, ?)' if pg else "(c.sort_name, c.id) > (?, ?)"
    raw = _raw(
        ctx,
        f"SELECT c.id FROM contact c WHERE ({where}) AND {keyset} "
        f"ORDER BY {_order(False)} LIMIT 50",
        f"SELECT c.id FROM contact c WHERE ({where}) AND {keyset} ORDER BY {_order(True)} LIMIT 50",
    )
    params = [*(["mar", "mas"] * 3), key[0], key[1]]
    return Timed(
        run=lambda i: search_contacts(
            ctx.engine, ctx.settings, [Condition("any", "like", "Mar")], limit=PAGE, after=key
        ),
        raw=lambda i: raw(params),
        check=_same,
    )


@case("search.cold_first", "First search (exact phone) on a newly opened engine and connection")
def cold_first(ctx: BenchContext) -> Samples:
    import time

    from commcentre_tui.repo.db import make_engine

    phones = ctx.sample("SELECT e164 FROM contact_phone WHERE id BETWEEN :lo AND :hi", 20)
    values: list[float] = []
    for i in range(min(ctx.repeat, 20)):
        start = time.perf_counter()
        engine = make_engine(ctx.url)
        search_contacts(
            engine, ctx.settings, [Condition("phone", "=", phones[i % len(phones)])], limit=PAGE
        )
        values.append((time.perf_counter() - start) * 1000)
        engine.dispose()
    return Samples(values, {"note": "new engine + connection; OS cache warm"})
