"""templates: the record their tags refer to, where they came from, and a version

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 05:15:00.000000

* ``about``: which record a template's tags refer to when it is sent to many customers (the
  overdue bill, the newest subscription …; see ``comms.targets``). The shipped templates that
  need more than the default get their value here, by their shipped name.
* ``origin`` and ``shipped_hash``: the shipped file a template was installed from and the
  fingerprint of its content then, so installing the shipped templates again updates the
  untouched ones and never an edited one.
* ``version``: optimistic locking for the Templates screen.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Shipped template name → the record its tags refer to.
SHIPPED_ABOUT = {
    "Overdue reminder": "overdue bill",
    "Welcome new subscriber": "newest subscription",
    "Bill notification": "latest bill",
}


def upgrade() -> None:
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "about",
                sqlmodel.sql.sqltypes.AutoString(length=30),
                nullable=False,
                server_default="customer",
            )
        )
        batch_op.add_column(
            sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(
            sa.Column("shipped_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    template = sa.table("template", sa.column("name", sa.String), sa.column("about", sa.String))
    for name, about in SHIPPED_ABOUT.items():
        op.execute(template.update().where(template.c.name == name).values(about=about))


def downgrade() -> None:
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("shipped_hash")
        batch_op.drop_column("origin")
        batch_op.drop_column("about")
