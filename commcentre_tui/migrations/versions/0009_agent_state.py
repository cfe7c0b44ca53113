"""agent state and queue figures for the supervisors' Wallboard

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:00:00.000000

The console's CTI flow lives in the agent's own process; the Wallboard runs in a supervisor's.
Each live ``agent_session`` now carries the agent's call state (``available``, ``ringing``,
``on_call``, ``wrap_up``, ``away``; NULL reads as available), since when, what it is about (the
caller shown, inert text) and, for wrap-up, when the after-call time runs out. ``queue_status``
holds the waiting calls and the longest wait per PBX queue (AMI ``QueueCallerJoin``/``Leave``/
``QueueSummary`` or a listener ``queue`` event), ``queue_caller`` the callers waiting now.
The ``ix_wall_`` indexes serve the Wallboard's "today" reads (owned by
:mod:`commcentre_tui.repo.wallboard`, not declared on the models).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: What the Wallboard's "today" aggregates read of a communication (besides ``created_at``).
TODAY_COLUMNS = [
    "media",
    "direction",
    "agent_id",
    "state",
    "delivery",
    "call_started_at",
    "call_duration_seconds",
    "completed_at",
    "disposition_reason",
]


def upgrade() -> None:
    with op.batch_alter_table("agent_session") as batch:
        batch.add_column(
            sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch.add_column(
            sa.Column("state_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.add_column(
            sa.Column("state_detail", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch.add_column(
            sa.Column("state_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "queue_status",
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("longest_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("queue"),
    )
    op.create_table(
        "queue_caller",
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("uniqueid", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("caller", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("joined_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "uniqueid"),
    )
    # covering: today's aggregates read the index only, never the (wide) communication rows
    op.create_index(
        "ix_wall_communication_created", "communication", ["created_at", *TODAY_COLUMNS]
    )
    op.create_index("ix_wall_task_due", "task", ["status", "due_at"])
    op.create_index("ix_wall_care_case_status", "care_case", ["status", "severity"])


def downgrade() -> None:
    op.drop_index("ix_wall_care_case_status", table_name="care_case")
    op.drop_index("ix_wall_task_due", table_name="task")
    op.drop_index("ix_wall_communication_created", table_name="communication")
    op.drop_table("queue_caller")
    op.drop_table("queue_status")
    with op.batch_alter_table("agent_session") as batch:
        batch.drop_column("state_until")
        batch.drop_column("state_detail")
        batch.drop_column("state_since")
        batch.drop_column("state")
