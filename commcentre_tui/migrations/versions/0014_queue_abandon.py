"""queue_abandon: the calls the PBX says were abandoned while waiting in a queue

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 20:10:00.000000

One row per abandoned call (queue, PBX unique id), written by every console that hears AMI
``QueueCallerAbandon`` (or a listener ``queue`` event with ``abandoned``); the primary key makes
the consoles' repeats harmless. The Wallboard's Today panel and ``report calls`` count them by
``abandoned_at``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_abandon",
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("uniqueid", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("caller", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("wait_seconds", sa.Integer(), nullable=False),
        sa.Column("abandoned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "uniqueid"),
    )
    op.create_index(
        op.f("ix_queue_abandon_abandoned_at"), "queue_abandon", ["abandoned_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_queue_abandon_abandoned_at"), table_name="queue_abandon")
    op.drop_table("queue_abandon")
