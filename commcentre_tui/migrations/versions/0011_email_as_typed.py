"""contact_email.address_as_typed: what the agent typed beside the normal form

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:45:00.000000

Email addresses are stored in normal form (the domain through IDNA, lower case:
``info@Κύπρος.CY`` → ``info@κύπρος.cy``) and, when that differs, as the agent typed them,
as phones keep the number as typed beside E.164. Existing rows keep their address (it was
stored as typed and validated); ``NULL`` means "typed as stored".
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "contact_email",
        sa.Column("address_as_typed", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("contact_email") as batch:
        batch.drop_column("address_as_typed")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # batch mode recreated the table, and dropped its triggers
        from commcentre_tui.repo.search import index as search_index

        if search_index.sqlite_has_fts(bind):
            before = search_index.layout(down_revision)
            search_index.create_triggers(bind, before)
            search_index.create_sqlite_btrees(bind, before)
