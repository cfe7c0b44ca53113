"""agent.time_zone and contact.import_hash

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07 20:10:00.000000

``agent.time_zone``: the IANA name of the zone an agent reads times in (``NULL``: the server's);
storage stays UTC. ``contact.import_hash``: what ``commcentre import contacts`` last wrote for
the customer, ``<change counter>:<digest of the row>``, so importing the same file again can tell
an unchanged row from its text alone, without checking and comparing it (a customer changed
since, whose change counter moved, is compared in full).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "agent",
        sa.Column("time_zone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column(
        "contact",
        sa.Column("import_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )


def downgrade() -> None:
    # SQLite ≥ 3.35 drops a column in place (a batch copy would drop the search triggers).
    op.drop_column("contact", "import_hash")
    op.drop_column("agent", "time_zone")
