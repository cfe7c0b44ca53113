"""contact.external_id: the customer's id in the system it was imported from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 05:45:00.000000

``commcentre import contacts`` keeps each row's external id, so importing the same file again
finds the customers it created (and changes nothing) instead of adding them a second time. The
unique index also answers "which customer came from row X" for duplicate checks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "contact",
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    )
    op.create_index("ix_contact_external_id", "contact", ["external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_contact_external_id", table_name="contact")
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("external_id")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # batch mode recreated the table, and dropped its triggers
        from commcentre_tui.repo.search import index as search_index

        if search_index.sqlite_has_fts(bind):
            before = search_index.layout(down_revision)
            search_index.create_triggers(bind, before)
            search_index.create_sqlite_btrees(bind, before)
