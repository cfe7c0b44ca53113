"""index on communication.follow_up_of_id (a communication's follow-ups)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:00:00.000000

Listing the follow-ups of a communication (and the foreign-key check when one is deleted on
PostgreSQL) no longer scans the whole table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_communication_follow_up_of", "communication", ["follow_up_of_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_communication_follow_up_of", table_name="communication")
