"""Customer search: Quick Search, Advanced Search and Latest Communications (seed "Searching for
customers"), over SQLite and PostgreSQL behind one interface.

* :func:`search_contacts` — one condition (quick) or several ANDed (advanced); results in
  (sort_name, id) order, ``page_size`` at a time, with keyset paging forward (``after``) and back
  (``before``) using a hit's ``sort_key``; each hit says which stored values matched.
* :func:`count_matches` — the exact total (up to 1,000) when a page only gave a lower bound.
* :func:`latest_communications` — the acting agent's communications, newest first.

Rules: ``=`` is exact on the normalised value (case and accents ignored; phones compared in
E.164 read in ``default_region``; national IDs by their letters and digits); ``like``: ``%ria``
ends with, ``Ma%``/``Mar`` start with, ``%ari%`` contains, ``%`` being a wildcard only as
first/last character. "Any" picks by the value's shape: an ``@`` → email; phone characters with
3+ digits → phone and national ID; letters then digits (``C0000042``, ``A00000001``,
``CS0000001``) → customer/account/subscription/case number and national ID; else last name,
first name or company name (each field's ``any_shapes`` in :mod:`.fields`). Only fields enabled
for the mode are searched (routing too).

Matching rules live in :mod:`.parse`, the SQL in :mod:`.sql`, the choice of plan in :mod:`.plan`
(with :mod:`.run`, :mod:`.sample` and :mod:`.split`), totals in :mod:`.count`; the indexes in
:mod:`.index` and migration 0002.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.search.count import full_total, page_total
from commcentre_tui.repo.search.fields import FIELD, TABLE
from commcentre_tui.repo.search.parse import Clause, parse_conditions
from commcentre_tui.repo.search.plan import Planner
from commcentre_tui.repo.search.sql import Backend

__all__ = [
    "Condition",
    "LatestCommunication",
    "SearchHit",
    "SearchPage",
    "count_matches",
    "display_name",
    "latest_communications",
    "search_contacts",
]


@dataclass(frozen=True)
class Condition:
    """One search condition: a field name (or ``"any"``), ``"="`` or ``"like"``, and a value."""

    field: str
    op: str
    value: str


def display_name(
    kind: str, first: str | None, last: str | None, company: str | None, customer_number: str = ""
) -> str:
    """The name an agent reads: company name, else "First Last", else the customer number."""
    if kind == "company" and company:
        return company
    name = " ".join(part for part in (first, last) if part)
    return name or company or customer_number


@dataclass(frozen=True)
class SearchHit:
    """A contact found, with the fields that matched (field → stored value)."""

    contact_id: int
    customer_number: str
    kind: str
    first_name: str | None
    last_name: str | None
    company_name: str | None
    phone: str | None
    """Primary phone in E.164 (else the first phone)."""
    email: str | None
    """Primary email (else the first)."""
    matched: dict[str, str] = field(default_factory=dict)
    sort_key: tuple[str, int] = ("", 0)
    """(sort_name, id): pass as ``after``/``before`` to page."""

    @property
    def display_name(self) -> str:
        return display_name(
            self.kind, self.first_name, self.last_name, self.company_name, self.customer_number
        )


@dataclass(frozen=True)
class SearchPage:
    """One page of results."""

    hits: list[SearchHit]
    has_more: bool
    """Another page follows (page on with ``after=hits[-1].sort_key``)."""
    has_previous: bool
    """A page precedes (page back with ``before=hits[0].sort_key``)."""
    total_text: str
    """"37"; "1,000+" when there are more than 1,000; "51+" (at least 51) when counting would
    cost more than the page itself — :func:`count_matches` gives the figure."""
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class LatestCommunication:
    """A row of Latest Communications: the communication and its contact."""

    communication_id: int
    contact_id: int
    contact_name: str
    customer_number: str
    created_at: datetime
    direction: str
    media: str
    category: str
    subject: str
    state: str


def _search_settings(settings: Any) -> Any:
    return getattr(settings, "search", settings)


def search_contacts(
    engine: Engine,
    settings: Any,
    conditions: Sequence[Condition],
    *,
    mode: str = "quick",
    limit: int | None = None,
    after: tuple[str, int] | None = None,
    before: tuple[str, int] | None = None,
) -> SearchPage:
    """Search contacts; raises :class:`ValidationFailed` (one sentence) for bad input.

    ``mode="quick"``: exactly one condition on a field enabled for quick search, or ``"any"``.
    ``mode="advanced"``: one or more conditions on fields enabled for advanced search, all of
    which must hold. ``op`` empty means the configured default operator.
    """
    s = _search_settings(settings)
    enabled = s.enabled("advanced" if mode == "advanced" else "quick")
    clauses = parse_conditions(conditions, mode, enabled, s.default_operator, s.default_region)
    if after is not None and before is not None:
        raise ValidationFailed("Page either forward (after) or back (before), not both.", "page")
    size = int(limit or s.page_size)
    if size < 1:
        raise ValidationFailed("The page size must be at least 1.", "limit")
    with engine.connect() as conn:
        planner = Planner(conn, clauses, size)
        page = planner.page(after, before)
        hits = _load_hits(conn, clauses, page.keys)
        total = page_total(planner, page, first_page=after is None and before is None)
        conn.rollback()
    return SearchPage(hits, page.has_more, page.has_previous, total, tuple(conditions))


def count_matches(
    engine: Engine, settings: Any, conditions: Sequence[Condition], *, mode: str = "quick"
) -> str:
    """The number of contacts matching, exact up to 1,000 ("37", "1,000+").

    :func:`search_contacts` only counts where that is cheap and otherwise gives a lower bound
    such as "51+"; call this (e.g. from a background worker) for the figure itself. It may take
    tens of milliseconds on a million contacts.
    """
    s = _search_settings(settings)
    enabled = s.enabled("advanced" if mode == "advanced" else "quick")
    clauses = parse_conditions(conditions, mode, enabled, s.default_operator, s.default_region)
    with engine.connect() as conn:
        total = full_total(Planner(conn, clauses, s.page_size))
        conn.rollback()
    return total


def _load_hits(
    conn: Any, clauses: Sequence[Clause], keys: list[tuple[str, int]]
) -> list[SearchHit]:
    """The page's contacts with primary phone, primary email and matched values (one query)."""
    if not keys:
        return []
    be = Backend(conn.dialect.name)
    p = be.params()
    first = "ORDER BY x.is_primary DESC, x.id LIMIT 1"
    columns = [
        "c.id",
        "c.customer_number",
        "c.kind",
        "c.first_name",
        "c.last_name",
        "c.company_name",
        f"(SELECT coalesce(x.e164, x.number) FROM contact_phone x WHERE x.contact_id = c.id {first})",
        f"(SELECT x.address FROM contact_email x WHERE x.contact_id = c.id {first})",
    ]
    matchers: list[tuple[str, Any]] = []  # (field, index of the column holding what matched)
    for pred in (q for clause in clauses for q in clause.preds if q.kind != "none"):
        spec = FIELD[pred.field]
        if spec.table == "contact":
            columns += [f"c.{spec.column}", f"c.{spec.display}"]
            matchers.append((pred.field, (len(columns) - 2, pred)))
            continue
        joins, owner = TABLE[spec.table].joins, TABLE[spec.table].owner
        columns.append(
            f"(SELECT t.{spec.display} FROM {spec.table} t{joins} WHERE {owner} = c.id "
            f"AND {be.pred(pred, 't.' + spec.column, p)} ORDER BY t.id LIMIT 1)"
        )
        matchers.append((pred.field, len(columns) - 1))
    id_list = ", ".join(p.add(cid) for _, cid in keys)
    sql = f"SELECT {', '.join(columns)} FROM contact c WHERE c.id IN ({id_list})"
    rows = {int(r[0]): r for r in conn.exec_driver_sql(sql, dict(p))}
    hits = []
    for sort_name, cid in keys:
        row = rows.get(cid)
        if row is None:  # deleted between the two reads
            continue
        matched: dict[str, str] = {}
        for name, where in matchers:
            if name in matched:
                continue
            if isinstance(where, tuple):  # a contact column: test the stored value here
                index, pred = where
                if pred.test(None if row[index] is None else str(row[index])):
                    matched[name] = str(row[index + 1] or "")
            elif row[where] is not None:
                matched[name] = str(row[where])
        hits.append(
            SearchHit(
                contact_id=cid,
                customer_number=row[1],
                kind=row[2],
                first_name=row[3],
                last_name=row[4],
                company_name=row[5],
                phone=row[6],
                email=row[7],
                matched=matched,
                sort_key=(sort_name, cid),
            )
        )
    return hits


def latest_communications(
    engine: Engine, settings: Any, agent_id: int | None, *, limit: int | None = None
) -> list[LatestCommunication]:
    """Communications created by ``agent_id``, newest first; at most ``limit``, else the
    configured ``communications_limit`` (absent: all of them)."""
    from commcentre_tui.models import Communication, Contact

    cap = limit if limit is not None else _search_settings(settings).communications_limit
    m, c = Communication.__table__, Contact.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    query = (
        select(
            m.c.id,
            m.c.contact_id,
            m.c.created_at,
            m.c.direction,
            m.c.media,
            m.c.category,
            m.c.subject,
            m.c.state,
            c.c.customer_number,
            c.c.kind,
            c.c.first_name,
            c.c.last_name,
            c.c.company_name,
        )
        .join(c, c.c.id == m.c.contact_id)
        .where(m.c.agent_id == agent_id)
        .order_by(m.c.created_at.desc(), m.c.id.desc())
    )
    if cap is not None:
        query = query.limit(int(cap))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        conn.rollback()
    return [
        LatestCommunication(
            communication_id=r.id,
            contact_id=r.contact_id,
            contact_name=display_name(
                r.kind, r.first_name, r.last_name, r.company_name, r.customer_number
            ),
            customer_number=r.customer_number,
            created_at=r.created_at,
            direction=r.direction,
            media=r.media,
            category=r.category,
            subject=r.subject,
            state=r.state,
        )
        for r in rows
    ]
