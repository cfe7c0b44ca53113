"""covering indexes for a contact's phones and emails

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 07:00:00.000000

A page of search results shows each contact's main phone and main email. With the contact id,
the primary flag, the id and the shown value in one index, that is one index read per contact
instead of an index read and a table read (random reads on a large database). The new indexes
begin with ``contact_id``, so they replace the single-column ones.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contact_phone_contact_cover",
        "contact_phone",
        ["contact_id", "is_primary", "id", "e164", "number"],
        unique=False,
    )
    op.drop_index("ix_contact_phone_contact_id", table_name="contact_phone")
    op.create_index(
        "ix_contact_email_contact_cover",
        "contact_email",
        ["contact_id", "is_primary", "id", "address"],
        unique=False,
    )
    op.drop_index("ix_contact_email_contact_id", table_name="contact_email")


def downgrade() -> None:
    op.create_index("ix_contact_email_contact_id", "contact_email", ["contact_id"], unique=False)
    op.drop_index("ix_contact_email_contact_cover", table_name="contact_email")
    op.create_index("ix_contact_phone_contact_id", "contact_phone", ["contact_id"], unique=False)
    op.drop_index("ix_contact_phone_contact_cover", table_name="contact_phone")
