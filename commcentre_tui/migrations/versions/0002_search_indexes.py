"""search indexes: FTS5 trigram (SQLite), pg_trgm GIN and code-point B-trees (PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00.000000

The index layout is derived from the search field declarations by
:mod:`commcentre_tui.repo.search.index` (shared with the bulk-load hooks): this migration builds
the layout as of revision 0002; a field added later comes with its own migration, which calls
``search_index.change_layout``.
"""

from collections.abc import Sequence

from alembic import op

from commcentre_tui.repo.search import index as search_index

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        search_index.create_fts(connection, search_index.layout(revision))
    else:
        search_index.create_pg_indexes(connection, search_index.layout(revision))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        search_index.drop_fts(connection, search_index.layout(revision))
    else:
        search_index.drop_pg_indexes(connection, search_index.layout(revision))
