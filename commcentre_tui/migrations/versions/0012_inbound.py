"""inbound channels: incoming emails and SMS recorded exactly once, unmatched communications

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:00.000000

* ``communication.contact_id`` may be ``NULL``: an incoming email or SMS whose sender matched no
  customer waits, unmatched, until an agent attaches it to one. On SQLite the table is rebuilt
  (batch mode); its partial My Work indexes of 0008 are made again after.
* ``inbound_message``: one row per message that arrived, written in the same transaction as its
  communication; unique on the IMAP position (mailbox, UIDVALIDITY, UID) and on the Message-ID,
  so a message is imported once whatever pollers run or die. Partial indexes (prefix
  ``ix_work_``, owned by :mod:`commcentre_tui.repo.my_work`) hold only the unhandled ones.
* ``inbound_attachment``: what an incoming email carried (metadata; the bytes are files).
* ``communication_queue.message_id`` indexed: a reply's ``In-Reply-To`` finds what it answers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DRAFT = sa.text("state = 'draft'")
FAILED = sa.text("delivery = 'failed'")
UNHANDLED = sa.text("handled_at IS NULL")


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _my_work_indexes() -> None:
    """0008's partial indexes on communication, which a SQLite batch rebuild can drop."""
    names = {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("communication")}
    if "ix_work_communication_draft" not in names:
        op.create_index("ix_work_communication_draft", "communication",
                        ["agent_id", "created_at", "id"], sqlite_where=DRAFT, postgresql_where=DRAFT)
    if "ix_work_communication_failed" not in names:
        op.create_index("ix_work_communication_failed", "communication",
                        ["agent_id", "created_at", "id"], sqlite_where=FAILED, postgresql_where=FAILED)


def upgrade() -> None:
    with op.batch_alter_table("communication") as batch:
        batch.alter_column("contact_id", existing_type=sa.Integer(), nullable=True)
    _my_work_indexes()
    op.create_index("ix_queue_message_id", "communication_queue", ["message_id"])
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", _text(10), nullable=False),
        sa.Column("mailbox", _text(300), nullable=True),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("message_id", _text(300), nullable=True),
        sa.Column("outcome", _text(20), nullable=False),
        sa.Column("reason", _text(500), nullable=True),
        sa.Column("communication_id", sa.Integer(), sa.ForeignKey("communication.id"), nullable=True),
        sa.Column("refers_to_id", sa.Integer(), sa.ForeignKey("communication.id"), nullable=True),
        sa.Column("sender", _text(254), nullable=False),
        sa.Column("sender_name", _text(200), nullable=False),
        sa.Column("match", _text(20), nullable=True),
        sa.Column("owner_agent_id", sa.Integer(), sa.ForeignKey("agent.id"), nullable=True),
        sa.Column("owner_unit", _text(60), nullable=True),
        sa.Column("handled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ux_inbound_position", "inbound_message", ["mailbox", "uidvalidity", "uid"],
                    unique=True)
    op.create_index("ux_inbound_message_id", "inbound_message", ["message_id"], unique=True)
    op.create_index("ix_inbound_communication", "inbound_message", ["communication_id"])
    op.create_index("ix_work_inbound_agent", "inbound_message", ["owner_agent_id"],
                    sqlite_where=UNHANDLED, postgresql_where=UNHANDLED)
    op.create_index("ix_work_inbound_unit", "inbound_message", ["owner_unit"],
                    sqlite_where=UNHANDLED, postgresql_where=UNHANDLED)
    op.create_table(
        "inbound_attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("communication_id", sa.Integer(), sa.ForeignKey("communication.id"),
                  nullable=False),
        sa.Column("filename", _text(255), nullable=False),
        sa.Column("content_type", _text(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", _text(64), nullable=True),
        sa.Column("stored_path", _text(300), nullable=True),
        sa.Column("note", _text(200), nullable=True),
    )
    op.create_index("ix_inbound_attachment_communication_id", "inbound_attachment",
                    ["communication_id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_attachment_communication_id", table_name="inbound_attachment")
    op.drop_table("inbound_attachment")
    for name in ("ix_work_inbound_unit", "ix_work_inbound_agent", "ix_inbound_communication",
                 "ux_inbound_message_id", "ux_inbound_position"):
        op.drop_index(name, table_name="inbound_message")
    op.drop_table("inbound_message")
    op.drop_index("ix_queue_message_id", table_name="communication_queue")
    op.execute("DELETE FROM communication WHERE contact_id IS NULL")
    with op.batch_alter_table("communication") as batch:
        batch.alter_column("contact_id", existing_type=sa.Integer(), nullable=False)
    _my_work_indexes()
