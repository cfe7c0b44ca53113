"""search indexes: FTS5 trigram (SQLite), pg_trgm GIN and code-point B-trees (PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00.000000

The index layout lives in :mod:`commcentre_tui.repo.search.index` (shared with the bulk-load
hooks); changing it later needs a new migration that drops and recreates.
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
        search_index.create_fts(connection)
    else:
        search_index.create_pg_indexes(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        search_index.drop_fts(connection)
    else:
        search_index.drop_pg_indexes(connection)
