"""contact_change: a change counter per customer, for live customer views

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 05:40:00.000000

Every audited change to a customer or one of their records raises the customer's ``version`` in
the same transaction; a console polls the counter of the customer on screen (a primary-key read)
and refreshes the view when it moved.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_change",
        sa.Column("contact_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("contact_id"),
    )


def downgrade() -> None:
    op.drop_table("contact_change")
