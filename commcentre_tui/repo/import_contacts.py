"""Database side of ``commcentre import contacts``: duplicate look-ups and bulk writes.

Everything runs on one connection inside one transaction (the caller commits or rolls back):
SQLite ``BEGIN IMMEDIATE`` with ``executemany``; PostgreSQL locks the contact tables and writes
new rows with ``COPY``. Ids and customer numbers continue above what the database holds, as in
:mod:`commcentre_tui.repo.seed.bulk`. Search indexes stay in step: SQLite's FTS triggers and
PostgreSQL's trigram indexes follow each row, or (a load at least as big as the table) are
suspended and rebuilt once at the end, which is much faster.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from commcentre_tui.models import (
    AuditEntry,
    Contact,
    NumberSequence,
)
from commcentre_tui.repo.numbers import SERIES, format_number
from commcentre_tui.repo.search import index as search_index
from commcentre_tui.repo.seed.columns import COLUMNS

TABLES = ("contact", "contact_phone", "contact_email", "contact_address")
CONTACT_COLUMNS = (*COLUMNS["contact"], "external_id", "import_hash")
#: Contact columns an import compares and updates.
COMPARED = (
    "kind",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "registration_number",
    "id_number",
    "national_id",
    "preferred_language",
    "unit",
    "notes",
    "email_opt_out",
    "sms_opt_out",
    "phone_opt_out",
    "letter_opt_out",
    "external_id",
)
#: Indexes the import's own look-ups use (by phone, email and customer): kept during a big load.
LOOKUP_INDEXES = {
    "ix_contact_phone_e164",
    "ix_contact_email_address_norm",
    "ix_contact_phone_contact_cover",
    "ix_contact_email_contact_cover",
    "ix_contact_address_contact_id",
}
SUSPEND_FROM = 20_000
"""Imports of at least this many rows (and at least as many as exist) rebuild search indexes."""
IN_BATCH = 500
"""Values per ``IN (…)`` look-up (SQLite's bound-parameter limit is far above)."""


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), IN_BATCH):
        yield values[start : start + IN_BATCH]


class Existing:
    """What the database holds for a set of contacts (for comparing an imported row)."""

    def __init__(self) -> None:
        self.contact: dict[int, dict[str, Any]] = {}
        self.phones: dict[int, set[str]] = defaultdict(set)
        self.emails: dict[int, set[str]] = defaultdict(set)
        self.addresses: dict[int, set[tuple[str, str, str, str]]] = defaultdict(set)


class ContactStore:
    """The import's connection: look-ups, inserts and updates, then :meth:`finish`."""

    def __init__(self, conn: Connection, expected_rows: int, *, lock: bool = True) -> None:
        self.conn = conn
        self.backend = conn.dialect.name
        self.raw = conn.connection.dbapi_connection
        self.cursor = self.raw.cursor()  # type: ignore[union-attr]  # the raw DBAPI connection is open (checked out above)
        if lock:
            self._lock()
        self.next_id: dict[str, int] = {
            t: conn.exec_driver_sql(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{t}"').scalar_one()
            for t in TABLES
        }
        existing = self.next_id["contact"] - 1
        #: Whether a first insert suspends the search indexes (decided by size; done only once
        #: rows are really inserted, so a re-run that finds everything unchanged rebuilds nothing).
        self.suspend_on_insert = expected_rows >= SUSPEND_FROM and expected_rows >= existing
        self.suspended = False
        self.next_number = self._first_number()
        self.inserted = 0
        self.dropped: list[str] = []

    def _suspend_once(self) -> None:
        if self.suspend_on_insert and not self.suspended:
            self.suspended = True
            search_index.suspend(self.conn)
            self.dropped = self._drop_indexes()

    def _drop_indexes(self) -> list[str]:
        """Drop the non-unique indexes of the contact tables; the statements that recreate them
        (rebuilding once is several times faster than maintaining them row by row)."""
        found: Sequence[Any]
        if self.backend == "sqlite":
            found = self.conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join('?' for _ in TABLES)})",
                TABLES,
            ).all()
            found = [(n, q) for n, q in found if not q.upper().startswith("CREATE UNIQUE")]
        else:
            found = self.conn.exec_driver_sql(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_namespace s ON s.oid = t.relnamespace "
                "WHERE s.nspname = current_schema() AND t.relname = ANY(%(tables)s) "
                "AND NOT x.indisunique AND NOT x.indisprimary",
                {"tables": list(TABLES)},
            ).all()
        found = [(n, q) for n, q in found if n not in LOOKUP_INDEXES]
        for name, _sql in found:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [q for _n, q in found]

    def _lock(self) -> None:
        if self.backend == "postgresql":
            # The tables grow inside this transaction, where statistics cannot follow: without
            # this, look-ups planned for small tables scan them whole, row after row.
            self.conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            tables = ", ".join(f'"{t}"' for t in (*TABLES, "number_sequence"))
            self.conn.exec_driver_sql(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")

    def _first_number(self) -> int:
        seq = NumberSequence.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
        stored = self.conn.execute(select(seq.c.next_value).where(seq.c.name == "contact")).scalar()
        prefix = SERIES["contact"][0]
        highest = self.conn.exec_driver_sql("SELECT MAX(customer_number) FROM contact").scalar()
        used = (
            int(highest[len(prefix) :]) + 1 if highest and highest[len(prefix) :].isdigit() else 1
        )
        return max(int(stored or 1), used)

    # --- look-ups ---------------------------------------------------------------------------

    def _raw(self, sql: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        """``sql`` with ``{in}`` replaced by a placeholder list, through the driver (this runs
        for every chunk of every import: SQLAlchemy's per-statement work would dominate)."""
        rows: list[tuple[Any, ...]] = []
        if not values:
            return rows
        if self.backend == "postgresql":  # one array parameter: one statement, one plan
            self.cursor.execute(sql.replace("IN ({in})", "= ANY(%s)"), (list(values),))
            return list(self.cursor.fetchall())
        mark = "?"
        for part in _chunks(values):
            self.cursor.execute(sql.replace("{in}", ", ".join(mark for _ in part)), tuple(part))
            rows.extend(self.cursor.fetchall())
        return rows

    def by_external_id(self, values: Sequence[str]) -> dict[str, int]:
        return dict(
            self._raw("SELECT external_id, id FROM contact WHERE external_id IN ({in})", values)
        )

    def by_phone(self, values: Sequence[str]) -> dict[str, set[int]]:
        return self._many("SELECT e164, contact_id FROM contact_phone WHERE e164 IN ({in})", values)

    def by_email(self, values: Sequence[str]) -> dict[str, set[int]]:
        return self._many(
            "SELECT address_norm, contact_id FROM contact_email WHERE address_norm IN ({in})",
            values,
        )

    def fingerprints(self, values: Sequence[str]) -> dict[str, tuple[int, str | None, int]]:
        """External id → (customer, the mark an import left, the customer's change counter)."""
        found = self._raw(
            "SELECT c.external_id, c.id, c.import_hash, COALESCE(cc.version, 0) FROM contact c "
            "LEFT JOIN contact_change cc ON cc.contact_id = c.id WHERE c.external_id IN ({in})",
            values,
        )
        return {ext: (cid, mark, counter) for ext, cid, mark, counter in found}

    def change_counters(self, ids: Sequence[int]) -> dict[int, int]:
        """Customer → change counter (absent: 0)."""
        return dict(
            self._raw(
                "SELECT contact_id, version FROM contact_change WHERE contact_id IN ({in})", ids
            )
        )

    def set_marks(self, marks: list[tuple[str, int]]) -> None:
        """``(mark, customer)`` pairs: the ``import_hash`` each customer gets."""
        if not marks:
            return
        mark = "?" if self.backend == "sqlite" else "%s"
        self.cursor.executemany(f"UPDATE contact SET import_hash = {mark} WHERE id = {mark}", marks)

    def _many(self, sql: str, values: Sequence[str]) -> dict[str, set[int]]:
        found: dict[str, set[int]] = defaultdict(set)
        for value, contact_id in self._raw(sql, values):
            found[value].add(contact_id)
        return found

    def existing(self, ids: Sequence[int]) -> Existing:
        held = Existing()
        names = ("id", "customer_number", "version", "custom_fields", *COMPARED)
        ids = list(ids)
        flags = {"email_opt_out", "sms_opt_out", "phone_opt_out", "letter_opt_out"}
        for row in self._raw(f"SELECT {', '.join(names)} FROM contact WHERE id IN ({{in}})", ids):
            record = dict(zip(names, row, strict=True))
            custom = record["custom_fields"]
            if isinstance(custom, str):
                record["custom_fields"] = json.loads(custom)
            for flag in flags:
                record[flag] = bool(record[flag])
            held.contact[record["id"]] = record
        for owner, value in self._raw(
            "SELECT contact_id, e164 FROM contact_phone WHERE contact_id IN ({in})", ids
        ):
            held.phones[owner].add(value)
        for owner, value in self._raw(
            "SELECT contact_id, address_norm FROM contact_email WHERE contact_id IN ({in})", ids
        ):
            held.emails[owner].add(value)
        for owner, *parts in self._raw(
            "SELECT contact_id, street_norm, city_norm, "
            "postal_code_norm, country_norm FROM contact_address "
            "WHERE contact_id IN ({in})",
            ids,
        ):
            held.addresses[owner].add(tuple(parts))
        return held

    # --- writes -----------------------------------------------------------------------------

    def take_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def take_number(self) -> str:
        value = self.next_number
        self.next_number += 1
        return format_number("contact", value)

    def stamp(self, moment: datetime) -> Any:
        """A timestamp as the raw driver writes it."""
        if self.backend == "sqlite":
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment

    def encode_json(self, value: dict[str, Any]) -> str:
        return json.dumps(value, ensure_ascii=False)

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self._suspend_once()
        names = ", ".join(columns)
        if self.backend == "sqlite":
            marks = ", ".join("?" for _ in columns)
            self.cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            return
        with self.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    def update_contacts(self, changes: list[dict[str, Any]]) -> None:
        """``changes``: one dict per contact with ``_id`` and the columns to set (executemany
        per distinct column set)."""
        table = Contact.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for change in changes:
            groups[tuple(sorted(k for k in change if k != "_id"))].append(change)
        for keys, rows in groups.items():
            statement = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({k: bindparam(k) for k in keys})
            )
            self.conn.execute(statement, rows)

    def audit(self, entries: list[dict[str, Any]]) -> None:
        if entries:
            self.conn.execute(insert(AuditEntry.__table__), entries)  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)

    def bump_changes(self, contact_ids: Iterable[int]) -> None:
        """Raise the change counter of updated customers (their open views refresh)."""
        from commcentre_tui.models.changes import ContactChange

        table = ContactChange.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
        if self.backend == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import (  # type: ignore[assignment]  # the same insert API for the other dialect, one name for both
                insert as dialect_insert,
            )
        now = datetime.now(UTC)
        for contact_id in sorted(contact_ids):
            statement = dialect_insert(table).values(
                contact_id=contact_id, version=1, changed_at=now, agent_id=None
            )
            self.conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.contact_id],
                    set_={"version": table.c.version + 1, "changed_at": now, "agent_id": None},
                )
            )

    def finish(self) -> None:
        """Advance the customer-number series and id sequences; rebuild suspended indexes."""
        seq = NumberSequence.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
        stored = self.conn.execute(select(seq.c.next_value).where(seq.c.name == "contact")).scalar()
        if stored is None:
            self.conn.execute(insert(seq).values(name="contact", next_value=self.next_number))
        elif stored < self.next_number:
            self.conn.execute(
                update(seq).where(seq.c.name == "contact").values(next_value=self.next_number)
            )
        if self.backend == "postgresql" and self.inserted:
            for table in TABLES:
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
                )
        for statement in self.dropped:
            self.conn.exec_driver_sql(statement)
        if self.suspended:
            search_index.rebuild(self.conn)
