"""The search field declarations: every field's table and columns exist, the config offers each
one, and a migrated database holds exactly the search indexes the declarations derive."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import SQLModel

from commcentre_tui.catalog import FIELD_LABELS, SEARCH_FIELDS
from commcentre_tui.config import SearchSettings
from commcentre_tui.repo.search import index as search_index
from commcentre_tui.repo.search.fields import FIELDS, GROUPS, TABLE, routes
from commcentre_tui.repo.search.parse import NORMALISE


def test_every_field_names_columns_its_table_has() -> None:
    for spec in FIELDS:
        table = SQLModel.metadata.tables[spec.table]
        assert spec.table in TABLE, spec.name
        assert {spec.column, spec.display} <= set(table.columns.keys()), spec.name
        assert spec.group in GROUPS, spec.name
        assert spec.normaliser == "phone" or spec.normaliser in NORMALISE, spec.name


def test_the_config_offers_every_declared_field_with_its_label() -> None:
    names = [f.name for f in FIELDS]
    assert sorted(n for group in SEARCH_FIELDS.values() for n in group) == sorted(names)
    assert set(SearchSettings().enabled("advanced")) == set(names)
    assert all(FIELD_LABELS[n] for n in names)
    # Any reaches a name field whatever the value, so it always has somewhere to search.
    assert routes()["name"]


def search_indexes(engine: Engine) -> dict[str, tuple[str, ...]]:
    """Full-text index → columns it covers, as the database has them."""
    out: dict[str, tuple[str, ...]] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for spec in search_index.HEAD.fts:
                rows = conn.exec_driver_sql(f"PRAGMA table_info({spec.name})").all()
                out[spec.name] = tuple(sorted(r[1] for r in rows))
        else:
            for name, definition in conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_search_%%trgm'"
            ):
                inner = definition.split("USING gin (", 1)[1].rstrip(")")
                out[name] = tuple(sorted(part.split()[0] for part in inner.split(",")))
    return out


def test_a_migrated_database_has_the_declared_indexes(engine: Engine) -> None:
    head = search_index.HEAD
    if engine.dialect.name == "sqlite":
        want = {spec.name: tuple(sorted(spec.columns)) for spec in head.fts}
    else:
        want = {name: tuple(sorted(cols)) for name, (_t, cols) in head.pg_trgm().items()}
    assert search_indexes(engine) == want
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = {
                r[0]
                for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
            }
            assert set(head.sqlite_btree()) <= names
        else:
            names = {r[0] for r in conn.exec_driver_sql("SELECT indexname FROM pg_indexes")}
            assert set(head.pg_btree()) <= names
