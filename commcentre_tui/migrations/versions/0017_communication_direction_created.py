"""communication: a covering index for the reports (direction, created_at, …)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:10:00.000000

``report fcr`` reads the incoming communications of a range (a month and ``N + 1`` days either
side) with their customer, category, agent and number. No index had them: the report read
``ix_wall_communication_created`` (migration 0009) and then each row from the table, and looked
up each first contact's neighbours one by one. This index, ``direction`` then ``created_at`` then
those columns, hands it the range's incoming communications alone, in an index-only read on
SQLite and (once vacuumed) PostgreSQL; the leading equality makes both planners choose it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "direction",
    "created_at",
    "contact_id",
    "category",
    "agent_id",
    "id",
]


def upgrade() -> None:
    op.create_index("ix_communication_direction_created", "communication", COLUMNS)
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        # The other indexes have statistics: give this one its own (a sample, as the bulk
        # seeder's, is enough and quick on a large table).
        limit = bind.exec_driver_sql("PRAGMA analysis_limit").scalar()
        bind.exec_driver_sql("PRAGMA analysis_limit=1000")
        bind.exec_driver_sql("ANALYZE ix_communication_direction_created")
        bind.exec_driver_sql(f"PRAGMA analysis_limit={int(limit or 0)}")


def downgrade() -> None:
    op.drop_index("ix_communication_direction_created", table_name="communication")
