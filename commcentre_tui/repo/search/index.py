"""The search indexes and their maintenance around bulk loads.

SQLite: one external-content FTS5 table with the trigram tokenizer per searched table (names and
customer numbers of ``contact``, phones, emails, addresses, account/subscription/case numbers),
each with an ``fts5vocab`` twin (trigram document counts for the planner) and three triggers
that keep it in step with its table. PostgreSQL: ``pg_trgm`` GIN indexes on the same columns,
and ``COLLATE "C"`` B-trees for prefix ranges and the (sort_name, id) result order, so both
engines order and compare by code point.

Bulk loaders call :func:`suspend` before and :func:`rebuild` after a big load (both take a
Connection inside the loader's transaction): SQLite drops the per-row triggers and afterwards
rebuilds every FTS table and recreates them; PostgreSQL drops the GIN indexes and recreates them.
Both finish with ``ANALYZE``. Migrations that recreate one of the indexed tables on SQLite
(Alembic batch mode drops triggers) must call :func:`create_triggers` afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class FtsSpec:
    """An FTS5 trigram index over some text columns of ``table`` (rowid = ``table.id``)."""

    name: str
    table: str
    columns: tuple[str, ...]

    @property
    def vocab(self) -> str:
        return f"{self.name}_vocab"


#: Every full-text index; table names start with ``contact_fts`` (Alembic autogenerate skips them).
FTS_SPECS: tuple[FtsSpec, ...] = (
    FtsSpec("contact_fts", "contact",
            ("first_name_norm", "last_name_norm", "company_name_norm", "customer_number",
             "id_number_norm")),
    FtsSpec("contact_fts_phone", "contact_phone", ("e164",)),
    FtsSpec("contact_fts_email", "contact_email", ("address_norm",)),
    FtsSpec("contact_fts_address", "contact_address",
            ("street_norm", "city_norm", "postal_code_norm", "country_norm")),
    FtsSpec("contact_fts_account", "account", ("number",)),
    FtsSpec("contact_fts_subscription", "subscription", ("number",)),
    FtsSpec("contact_fts_case", "care_case", ("number",)),
)
FTS_BY_TABLE: dict[str, FtsSpec] = {spec.table: spec for spec in FTS_SPECS}

#: PostgreSQL GIN trigram indexes: name → (table, columns). Names start ``ix_search_``.
PG_TRGM: dict[str, tuple[str, tuple[str, ...]]] = {
    f"ix_search_{spec.table}_trgm": (spec.table, spec.columns) for spec in FTS_SPECS
}

#: Contact columns search conditions read: the covering indexes carry them so a walk down the
#: result order (and a lookup by id) never touches the table.
WALK_COLUMNS = "last_name_norm, first_name_norm, company_name_norm, customer_number, id_number_norm"

#: SQLite covering B-trees: the result order with every filter column, and the same by id.
SQLITE_BTREE: dict[str, tuple[str, str]] = {
    "ix_search_contact_walk": ("contact", f"sort_name, id, {WALK_COLUMNS}"),
    "ix_search_contact_lookup": ("contact", f"id, sort_name, {WALK_COLUMNS}"),
}

#: PostgreSQL code-point B-trees: name → (table, column list).
PG_BTREE: dict[str, tuple[str, str]] = {
    "ix_search_contact_sort": ("contact", f'sort_name COLLATE "C", id) INCLUDE ({WALK_COLUMNS}'),
    **{
        f"ix_search_{spec.table}_{col}": (spec.table, f'{col} COLLATE "C"')
        for spec in FTS_SPECS for col in spec.columns
    },
}


# --- SQLite -------------------------------------------------------------------------------

def _cols(spec: FtsSpec, prefix: str = "") -> str:
    return ", ".join(f"{prefix}{c}" for c in spec.columns)


def _trigger_sql(spec: FtsSpec) -> list[str]:
    insert = f"INSERT INTO {spec.name}(rowid, {_cols(spec)}) VALUES (new.id, {_cols(spec, 'new.')});"
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


def create_fts(connection: Connection) -> None:
    """Create (SQLite) the FTS tables, vocab tables and triggers, and fill them from the tables."""
    for spec in FTS_SPECS:
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {spec.name} USING fts5({_cols(spec)}, "
            f"content='{spec.table}', content_rowid='id', tokenize='trigram')"
        )
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {spec.vocab} USING fts5vocab({spec.name}, 'col')"
        )
        connection.exec_driver_sql(f"INSERT INTO {spec.name}({spec.name}) VALUES ('rebuild')")
    create_triggers(connection)
    create_sqlite_btrees(connection)


def drop_fts(connection: Connection) -> None:
    """Drop (SQLite) every FTS table, vocab table, trigger and covering index."""
    drop_triggers(connection)
    drop_sqlite_btrees(connection)
    for spec in FTS_SPECS:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {spec.vocab}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {spec.name}")


def create_triggers(connection: Connection) -> None:
    """(Re)create the SQLite triggers that keep the FTS tables in step with their tables."""
    for spec in FTS_SPECS:
        for statement in _trigger_sql(spec):
            connection.exec_driver_sql(statement)


def drop_triggers(connection: Connection) -> None:
    """Drop the SQLite FTS triggers (the FTS content goes stale until :func:`rebuild`)."""
    for spec in FTS_SPECS:
        for suffix in ("ai", "ad", "au"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {spec.name}_{suffix}")


def create_sqlite_btrees(connection: Connection) -> None:
    """Create (SQLite) the covering B-trees that are missing."""
    for name, (table, columns) in SQLITE_BTREE.items():
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")


def drop_sqlite_btrees(connection: Connection) -> None:
    """Drop (SQLite) the covering B-trees."""
    for name in SQLITE_BTREE:
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def _sqlite_has_fts(connection: Connection) -> bool:
    row = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'contact_fts'"
    ).first()
    return row is not None


# --- PostgreSQL ---------------------------------------------------------------------------

def create_pg_indexes(connection: Connection) -> None:
    """Create (PostgreSQL) ``pg_trgm`` and the search indexes that are missing."""
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, columns) in PG_TRGM.items():
        ops = ", ".join(f"{c} gin_trgm_ops" for c in columns)
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({ops})")
    for name, (table, columns) in PG_BTREE.items():
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")


def drop_pg_indexes(connection: Connection) -> None:
    """Drop (PostgreSQL) every search index (the extension stays: others may use it)."""
    for name in (*PG_TRGM, *PG_BTREE):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def _pg_has_indexes(connection: Connection) -> bool:
    row = connection.exec_driver_sql(
        "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_search_contact_sort'"
    ).first()
    return row is not None


# --- Bulk-load hooks ----------------------------------------------------------------------

def suspend(connection: Connection) -> None:
    """Prepare the search indexes for a bulk load: drop per-row maintenance (triggers, indexes)."""
    if connection.dialect.name == "sqlite":
        if _sqlite_has_fts(connection):
            drop_triggers(connection)
            drop_sqlite_btrees(connection)
    elif _pg_has_indexes(connection):
        drop_pg_indexes(connection)


def rebuild(connection: Connection) -> None:
    """Bring the search indexes in step after a bulk load, then refresh planner statistics."""
    if connection.dialect.name == "sqlite":
        if _sqlite_has_fts(connection):
            drop_triggers(connection)
            for spec in FTS_SPECS:
                connection.exec_driver_sql(f"INSERT INTO {spec.name}({spec.name}) VALUES ('rebuild')")
                connection.exec_driver_sql(f"INSERT INTO {spec.name}({spec.name}) VALUES ('optimize')")
            create_triggers(connection)
            create_sqlite_btrees(connection)
        connection.exec_driver_sql("ANALYZE")
        return
    if _pg_has_indexes(connection) or _pg_has_migration_0002(connection):
        create_pg_indexes(connection)
    for table in sorted({spec.table for spec in FTS_SPECS} | {"communication"}):
        connection.exec_driver_sql(f"ANALYZE {table}")


def _pg_has_migration_0002(connection: Connection) -> bool:
    """Whether the schema is past migration 0001 (so the search indexes belong; suspend may
    have dropped them all)."""
    row = connection.exec_driver_sql(
        "SELECT version_num FROM alembic_version WHERE version_num <> '0001'"
    ).first()
    return row is not None
