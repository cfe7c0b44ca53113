"""Schema migrations (Alembic) driven programmatically: upgrade, and where a database stands.

Alembic is imported only when it is needed: the console's start-up check compares the
``alembic_version`` row with :data:`HEAD_REVISION` in one query (importing Alembic costs ~0.4 s),
and a test keeps that constant equal to Alembic's head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config

from commcentre_tui.repo.db import DatabaseError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

#: Tables the search index owns (FTS5 and its shadow tables): autogenerate leaves them alone.
SEARCH_INDEX_PREFIX = "contact_fts"

#: The newest migration shipped with this version (kept equal to Alembic's head by a test).
HEAD_REVISION = "0017"


#: Indexes the search engine owns (migration 0002, not declared on the models).
SEARCH_INDEX_NAME_PREFIX = "ix_search_"

#: Indexes My Work's queries own (migration 0008, partial ones among them; not on the models).
MY_WORK_INDEX_NAME_PREFIX = "ix_work_"

#: Indexes the Wallboard's queries own (migration 0009; not on the models).
WALLBOARD_INDEX_NAME_PREFIX = "ix_wall_"


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Alembic ``include_name`` hook: skip the search index's own tables and indexes (and My
    Work's indexes)."""
    if (
        type_ == "index"
        and name is not None
        and name.startswith(
            (SEARCH_INDEX_NAME_PREFIX, MY_WORK_INDEX_NAME_PREFIX, WALLBOARD_INDEX_NAME_PREFIX)
        )
    ):
        return False
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_INDEX_PREFIX))


def alembic_config(url: str = "") -> Config:
    """An Alembic config pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version, as Alembic's scripts say."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseError(f"Cannot reach the database: {_first_line(exc)}.") from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one transaction per migration."""
    from alembic import command

    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        raise DatabaseError(f"Cannot reach the database: {_first_line(exc)}.") from None


def check_current(engine: Engine) -> None:
    """Refuse a database whose schema is not at this version's head, in one sentence."""
    if _stored_revision(engine) == HEAD_REVISION:
        return
    from alembic.script import ScriptDirectory

    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseError(
            "The database has no commcentre schema yet; run `commcentre db upgrade`."
        )
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current not in known:
        raise DatabaseError(
            f"The database is at migration {current}, which this version of commcentre does not know; "
            "upgrade commcentre."
        )
    raise DatabaseError(
        f"The database is at migration {current}, older than {head}; run `commcentre db upgrade`."
    )


def _stored_revision(engine: Engine) -> str | None:
    """The ``alembic_version`` row read with one query; ``None`` if there is none (yet)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", exc)
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
