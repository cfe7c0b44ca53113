"""indexes for My Work: an agent's open care records, drafts and failed deliveries

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:00:00.000000

My Work (F11) lists what waits for one agent across customers. Without these, its counts and
first page scan every care record and every communication of the agent (1,000s of completed
ones per agent): ~200 ms on SQLite at 20,000 contacts. Care records: by assigned agent, and the
unit's queue (no agent) by unit; tasks by agent, status and due time (the list's order);
communications: partial indexes holding only drafts and failed deliveries, so they stay tiny and
cost the (much more common) completed communications nothing. The indexes are owned by the
queries of :mod:`commcentre_tui.repo.my_work` (prefix ``ix_work_``), not declared on the models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CARE_TABLES = ("care_case", "activity", "job", "service_request", "lead")
DRAFT = sa.text("state = 'draft'")
FAILED = sa.text("delivery = 'failed'")
UNIT_QUEUE = sa.text("assigned_agent_id IS NULL")


def upgrade() -> None:
    op.create_index("ix_work_task_agent", "task", ["assigned_agent_id", "status", "due_at", "id"])
    for table in CARE_TABLES:
        op.create_index(f"ix_work_{table}_agent", table, ["assigned_agent_id", "status"])
        op.create_index(
            f"ix_work_{table}_unit",
            table,
            ["assigned_unit", "status"],
            sqlite_where=UNIT_QUEUE,
            postgresql_where=UNIT_QUEUE,
        )
    op.create_index(
        "ix_work_communication_draft",
        "communication",
        ["agent_id", "created_at", "id"],
        sqlite_where=DRAFT,
        postgresql_where=DRAFT,
    )
    op.create_index(
        "ix_work_communication_failed",
        "communication",
        ["agent_id", "created_at", "id"],
        sqlite_where=FAILED,
        postgresql_where=FAILED,
    )


def downgrade() -> None:
    op.drop_index("ix_work_communication_failed", table_name="communication")
    op.drop_index("ix_work_communication_draft", table_name="communication")
    for table in reversed(CARE_TABLES):
        op.drop_index(f"ix_work_{table}_unit", table_name=table)
        op.drop_index(f"ix_work_{table}_agent", table_name=table)
    op.drop_index("ix_work_task_agent", table_name="task")
