"""Migrations: up from empty on both backends, no drift from the models, old schemas refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from commcentre_tui.repo.db import DatabaseError, make_engine
from commcentre_tui.repo.migrate import (
    HEAD_REVISION,
    alembic_config,
    check_current,
    current_revision,
    head_revision,
    include_name,
    upgrade,
)


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    check_current(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        assert compare_metadata(ctx, SQLModel.metadata) == []
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())


def test_the_start_up_check_knows_the_newest_migration() -> None:
    # The console compares the database with HEAD_REVISION without importing Alembic; a new
    # migration must move that constant too, or every upgraded database would be refused.
    assert head_revision() == HEAD_REVISION


def test_upgrade_from_empty_then_again_is_a_no_op(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(DatabaseError, match="no commcentre schema yet"):
        check_current(engine)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_older_schema_is_refused_with_the_fix(tmp_path: Path) -> None:
    first, *_later = revisions_oldest_first()
    assert _later, "needs at least two migrations"
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, first)
    with pytest.raises(DatabaseError, match=r"older than .*commcentre db upgrade"):
        check_current(engine)
    upgrade(engine)
    check_current(engine)


def test_each_migration_step_applies_on_both_backends(engine: Engine) -> None:
    """Upgrading an empty database applied every revision in order and ended at the newest."""
    assert current_revision(engine) == revisions_oldest_first()[-1]
