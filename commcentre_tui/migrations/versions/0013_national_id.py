"""contact.national_id: the national identity number, a search field

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:10:00.000000

The number as typed, and ``national_id_norm`` (letters and digits only, upper case) that search
compares, with its B-tree; the contact row's search indexes are rebuilt to carry the new column
(:func:`commcentre_tui.repo.search.index.change_layout`: FTS5 and the covering B-trees on
SQLite, the trigram GIN and the code-point B-trees on PostgreSQL). Existing contacts have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from commcentre_tui.repo.search import index as search_index

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "contact",
        sa.Column("national_id", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    )
    op.add_column(
        "contact",
        sa.Column(
            "national_id_norm",
            sqlmodel.sql.sqltypes.AutoString(length=60),
            nullable=False,
            server_default="",
        ),
    )
    op.create_index("ix_contact_national_id_norm", "contact", ["national_id_norm"], unique=False)
    search_index.change_layout(
        op.get_bind(), search_index.layout(down_revision), search_index.layout(revision)
    )


def downgrade() -> None:
    bind = op.get_bind()
    before = search_index.layout(down_revision)
    search_index.change_layout(bind, search_index.layout(revision), before)
    op.drop_index("ix_contact_national_id_norm", table_name="contact")
    # SQLite ≥ 3.35 drops a column in place (no batch copy: the full-text index just rebuilt
    # keeps the table open, and the triggers of the older layout no longer name the column).
    op.drop_column("contact", "national_id_norm")
    op.drop_column("contact", "national_id")
