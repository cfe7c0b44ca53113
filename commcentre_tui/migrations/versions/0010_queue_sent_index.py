"""communication_queue: an index for the retention prune (status, sent_at)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:20:00.000000

The worker deletes queue entries sent more than ``[worker] keep_sent_days`` ago
(:mod:`commcentre_tui.comms.retention`). Without this index the prune's
``status = 'sent' AND sent_at < cutoff`` walked every sent entry through
``ix_queue_status_next`` and read each row for its ``sent_at``: with a million sent entries
that is a full pass over the table each time the worker prunes, growing with the table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_queue_status_sent", "communication_queue", ["status", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_status_sent", table_name="communication_queue")
