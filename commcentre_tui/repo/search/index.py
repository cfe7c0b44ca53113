"""The search indexes, derived from the field declarations, and their maintenance.

SQLite: one external-content FTS5 table with the trigram tokenizer per searched table (the
search columns of ``contact``, phones, emails, addresses, account/subscription/case numbers),
each with an ``fts5vocab`` twin (trigram document counts for the planner) and three triggers
that keep it in step with its table, plus covering B-trees of the contact row for walking the
result order. PostgreSQL: ``pg_trgm`` GIN indexes on the same columns, and ``COLLATE "C"``
B-trees for prefix ranges and the (sort_name, id) result order, so both engines order and
compare by code point.

A :class:`Layout` is the set of indexes of one schema revision: :func:`layout` derives it from
:data:`.fields.FIELDS` (the fields whose ``indexed_since`` is not later than the revision), so a
migration builds exactly the indexes of its own revision, and :func:`change_layout` moves a
database from one layout to the next (what a migration adding a field calls).

Bulk loaders call :func:`suspend` before and :func:`rebuild` after a big load (both take a
Connection inside the loader's transaction, and work on the layout of the database's revision):
SQLite drops the per-row triggers and afterwards rebuilds every FTS table and recreates them;
PostgreSQL drops the GIN indexes and recreates them. Both finish with ``ANALYZE``. Migrations
that recreate one of the indexed tables on SQLite (Alembic batch mode drops triggers) must call
:func:`create_triggers` and :func:`create_sqlite_btrees` afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from commcentre_tui.repo.search.fields import FIELDS, TABLES


@dataclass(frozen=True)
class FtsSpec:
    """An FTS5 trigram index over some text columns of ``table`` (rowid = ``table.id``)."""

    name: str
    table: str
    columns: tuple[str, ...]

    @property
    def vocab(self) -> str:
        return f"{self.name}_vocab"


@dataclass(frozen=True)
class Layout:
    """The search indexes of one schema revision."""

    fts: tuple[FtsSpec, ...]
    """The trigram-indexed columns per table (SQLite FTS5; PostgreSQL GIN)."""
    walk_columns: str
    """The contact columns search conditions read: the covering indexes carry them so a walk
    down the result order (and a lookup by id) never touches the table."""
    owned: tuple[tuple[str, str], ...] = ()
    """(table, column) of related-table fields with B-trees beside their contact id."""

    def _owner_btrees(self, collate: str) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        for table, column in self.owned:
            out[f"ix_search_{table}_{column}_owner"] = (table, f"{column}{collate}, contact_id")
            out[f"ix_search_{table}_owner_{column}"] = (table, f"contact_id, {column}{collate}")
        return out

    def sqlite_btree(self) -> dict[str, tuple[str, str]]:
        """SQLite covering B-trees: the result order with every filter column, the same by id,
        and the related fields' (column, contact id) pairs both ways."""
        return {
            "ix_search_contact_walk": ("contact", f"sort_name, id, {self.walk_columns}"),
            "ix_search_contact_lookup": ("contact", f"id, sort_name, {self.walk_columns}"),
            **self._owner_btrees(""),
        }

    def pg_trgm(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """PostgreSQL GIN trigram indexes: name → (table, columns). Names start ``ix_search_``."""
        return {f"ix_search_{spec.table}_trgm": (spec.table, spec.columns) for spec in self.fts}

    def pg_btree(self) -> dict[str, tuple[str, str]]:
        """PostgreSQL code-point B-trees: name → (table, column list)."""
        return {
            "ix_search_contact_sort": (
                "contact",
                f'sort_name COLLATE "C", id) INCLUDE ({self.walk_columns}',
            ),
            **{
                f"ix_search_{spec.table}_{col}": (spec.table, f'{col} COLLATE "C"')
                for spec in self.fts
                for col in spec.columns
            },
            **self._owner_btrees(' COLLATE "C"'),
        }

    def tables(self) -> list[str]:
        """The tables indexed, in declaration order."""
        return [spec.table for spec in self.fts]


def layout(revision: str | None = None) -> Layout:
    """The indexes as of schema ``revision`` (``None``: the newest). Revisions are four-digit
    numbers, compared as text."""
    fields = [f for f in FIELDS if revision is None or f.indexed_since <= revision]
    fts = tuple(
        FtsSpec(t.fts, t.name, tuple(dict.fromkeys(f.column for f in fields if f.table == t.name)))
        for t in TABLES
        if any(f.table == t.name for f in fields)
    )
    walk = ", ".join(dict.fromkeys(f.column for f in fields if f.table == "contact"))
    owned = tuple(
        (f.table, f.column)
        for f in fields
        if f.owner_indexed_since is not None
        and (revision is None or f.owner_indexed_since <= revision)
    )
    return Layout(fts, walk, owned)


#: The newest layout (what a database at head has).
HEAD = layout()
#: Every full-text index of the newest layout.
FTS_SPECS: tuple[FtsSpec, ...] = HEAD.fts


# --- SQLite -------------------------------------------------------------------------------


def _cols(spec: FtsSpec, prefix: str = "") -> str:
    return ", ".join(f"{prefix}{c}" for c in spec.columns)


def _trigger_sql(spec: FtsSpec) -> list[str]:
    insert = (
        f"INSERT INTO {spec.name}(rowid, {_cols(spec)}) VALUES (new.id, {_cols(spec, 'new.')});"
    )
    delete = (
        f"INSERT INTO {spec.name}({spec.name}, rowid, {_cols(spec)}) "
        f"VALUES ('delete', old.id, {_cols(spec, 'old.')});"
    )
    return [
        f"CREATE TRIGGER IF NOT EXISTS {spec.name}_ai AFTER INSERT ON {spec.table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {spec.name}_ad AFTER DELETE ON {spec.table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {spec.name}_au AFTER UPDATE OF {_cols(spec)} ON {spec.table} "
        f"BEGIN {delete} {insert} END",
    ]


def _create_fts_table(connection: Connection, spec: FtsSpec) -> None:
    """Create one FTS table and its vocab twin, fill it from its table, add its triggers."""
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {spec.name} USING fts5({_cols(spec)}, "
        f"content='{spec.table}', content_rowid='id', tokenize='trigram')"
    )
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {spec.vocab} USING fts5vocab({spec.name}, 'col')"
    )
    connection.exec_driver_sql(f"INSERT INTO {spec.name}({spec.name}) VALUES ('rebuild')")
    for statement in _trigger_sql(spec):
        connection.exec_driver_sql(statement)


def _drop_fts_table(connection: Connection, spec: FtsSpec) -> None:
    for suffix in ("ai", "ad", "au"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {spec.name}_{suffix}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {spec.vocab}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {spec.name}")


def create_fts(connection: Connection, layout: Layout = HEAD) -> None:
    """Create (SQLite) the FTS tables, vocab tables and triggers, fill them from the tables, and
    create the covering B-trees."""
    for spec in layout.fts:
        _create_fts_table(connection, spec)
    create_sqlite_btrees(connection, layout)


def drop_fts(connection: Connection, layout: Layout = HEAD) -> None:
    """Drop (SQLite) every FTS table, vocab table, trigger and covering index."""
    drop_sqlite_btrees(connection, layout)
    for spec in layout.fts:
        _drop_fts_table(connection, spec)


def create_triggers(connection: Connection, layout: Layout = HEAD) -> None:
    """(Re)create the SQLite triggers that keep the FTS tables in step with their tables."""
    for spec in layout.fts:
        for statement in _trigger_sql(spec):
            connection.exec_driver_sql(statement)


def drop_triggers(connection: Connection, layout: Layout = HEAD) -> None:
    """Drop the SQLite FTS triggers (the FTS content goes stale until :func:`rebuild`)."""
    for spec in layout.fts:
        for suffix in ("ai", "ad", "au"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {spec.name}_{suffix}")


def create_sqlite_btrees(connection: Connection, layout: Layout = HEAD) -> None:
    """Create (SQLite) the covering B-trees that are missing."""
    for name, (table, columns) in layout.sqlite_btree().items():
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")


def drop_sqlite_btrees(connection: Connection, layout: Layout = HEAD) -> None:
    """Drop (SQLite) the covering B-trees."""
    for name in layout.sqlite_btree():
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def sqlite_has_fts(connection: Connection) -> bool:
    """Whether (SQLite) the search indexes exist (migration 0002 has run)."""
    row = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'contact_fts'"
    ).first()
    return row is not None


# --- PostgreSQL ---------------------------------------------------------------------------


def _create_trgm(connection: Connection, name: str, table: str, columns: tuple[str, ...]) -> None:
    ops = ", ".join(f"{c} gin_trgm_ops" for c in columns)
    connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({ops})")


def create_pg_indexes(connection: Connection, layout: Layout = HEAD) -> None:
    """Create (PostgreSQL) ``pg_trgm`` and the search indexes that are missing."""
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, columns) in layout.pg_trgm().items():
        _create_trgm(connection, name, table, columns)
    for name, (table, column_list) in layout.pg_btree().items():
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column_list})")


def drop_pg_indexes(connection: Connection, layout: Layout = HEAD) -> None:
    """Drop (PostgreSQL) every search index (the extension stays: others may use it)."""
    for name in (*layout.pg_trgm(), *layout.pg_btree()):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def _pg_has_indexes(connection: Connection) -> bool:
    row = connection.exec_driver_sql(
        "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_search_contact_sort'"
    ).first()
    return row is not None


# --- Changing the layout (a migration that adds a field) ----------------------------------


def _changed(old: Mapping[str, object], new: Mapping[str, object]) -> tuple[list[str], list[str]]:
    """(names to drop, names to create) to go from ``old`` to ``new`` definitions."""
    drop = [name for name, spec in old.items() if new.get(name) != spec]
    create = [name for name, spec in new.items() if old.get(name) != spec]
    return drop, create


def change_layout(connection: Connection, old: Layout, new: Layout) -> None:
    """Move the search indexes from ``old`` to ``new``: only the indexes that differ are dropped
    and built again (e.g. the contact row's, when a contact field is added)."""
    if connection.dialect.name == "sqlite":
        if not sqlite_has_fts(connection):
            return
        old_fts, new_fts = {s.name: s for s in old.fts}, {s.name: s for s in new.fts}
        drop, create = _changed(old_fts, new_fts)
        for name in drop:
            _drop_fts_table(connection, old_fts[name])
        for name in create:
            _create_fts_table(connection, new_fts[name])
        btrees = new.sqlite_btree()
        drop, create = _changed(old.sqlite_btree(), btrees)
        for name in drop:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        for name in create:
            table, columns = btrees[name]
            connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
        return
    if not _pg_has_indexes(connection):
        return
    trgm, btree = new.pg_trgm(), new.pg_btree()
    drop_trgm, create_trgm = _changed(old.pg_trgm(), trgm)
    drop_btree, create_btree = _changed(old.pg_btree(), btree)
    for name in (*drop_trgm, *drop_btree):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    for name in create_trgm:
        _create_trgm(connection, name, *trgm[name])
    for name in create_btree:
        table, column_list = btree[name]
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column_list})")


# --- Bulk-load hooks ----------------------------------------------------------------------


def _revision(connection: Connection) -> str | None:
    """The database's schema revision (``None`` without Alembic's table)."""
    if connection.dialect.name == "sqlite":
        found = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
    else:
        found = connection.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar()
    if not found:
        return None
    value = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if value is None else str(value)


def database_layout(connection: Connection) -> Layout:
    """The layout of the database's revision (the newest when it has none)."""
    return layout(_revision(connection))


def suspend(connection: Connection) -> None:
    """Prepare the search indexes for a bulk load: drop per-row maintenance (triggers, indexes)."""
    current = database_layout(connection)
    if connection.dialect.name == "sqlite":
        if sqlite_has_fts(connection):
            drop_triggers(connection, current)
            drop_sqlite_btrees(connection, current)
    elif _pg_has_indexes(connection):
        drop_pg_indexes(connection, current)


def rebuild(connection: Connection) -> None:
    """Bring the search indexes in step after a bulk load, then refresh planner statistics."""
    current = database_layout(connection)
    if connection.dialect.name == "sqlite":
        if sqlite_has_fts(connection):
            drop_triggers(connection, current)
            for spec in current.fts:
                connection.exec_driver_sql(
                    f"INSERT INTO {spec.name}({spec.name}) VALUES ('rebuild')"
                )
                connection.exec_driver_sql(
                    f"INSERT INTO {spec.name}({spec.name}) VALUES ('optimize')"
                )
            create_triggers(connection, current)
            create_sqlite_btrees(connection, current)
        connection.exec_driver_sql("ANALYZE")
        return
    if _pg_has_indexes(connection) or _pg_has_migration_0002(connection):
        create_pg_indexes(connection, current)
    for table in sorted({*current.tables(), "communication"}):
        connection.exec_driver_sql(f"ANALYZE {table}")


def _pg_has_migration_0002(connection: Connection) -> bool:
    """Whether the schema is past migration 0001 (so the search indexes belong; suspend may
    have dropped them all)."""
    row = connection.exec_driver_sql(
        "SELECT version_num FROM alembic_version WHERE version_num <> '0001'"
    ).first()
    return row is not None
