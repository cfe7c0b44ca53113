"""Schema migrations (Alembic) driven programmatically: upgrade, and where a database stands."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from commcentre_tui.repo.db import DatabaseError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

#: Tables the search index owns (FTS5 and its shadow tables): autogenerate leaves them alone.
SEARCH_INDEX_PREFIX = "contact_fts"


#: Indexes the search engine owns (migration 0002, not declared on the models).
SEARCH_INDEX_NAME_PREFIX = "ix_search_"


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Alembic ``include_name`` hook: skip the search index's own tables and indexes."""
    if type_ == "index" and name is not None and name.startswith(SEARCH_INDEX_NAME_PREFIX):
        return False
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_INDEX_PREFIX))


def alembic_config(url: str = "") -> Config:
    """An Alembic config pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or ``None`` for an empty database."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseError(f"Cannot reach the database: {_first_line(exc)}.") from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one transaction per migration."""
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        raise DatabaseError(f"Cannot reach the database: {_first_line(exc)}.") from None


def check_current(engine: Engine) -> None:
    """Refuse a database whose schema is not at this version's head, in one sentence."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseError("The database has no commcentre schema yet; run `commcentre db upgrade`.")
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current not in known:
        raise DatabaseError(
            f"The database is at migration {current}, which this version of commcentre does not know; "
            "upgrade commcentre."
        )
    raise DatabaseError(
        f"The database is at migration {current}, older than {head}; run `commcentre db upgrade`."
    )


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", exc)
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
