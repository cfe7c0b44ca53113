"""inbound channels: incoming emails and SMS recorded exactly once, unmatched communications

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:00.000000

* ``communication.contact_id`` may be ``NULL``: an incoming email or SMS whose sender matched no
  customer waits, unmatched, until an agent attaches it to one (on SQLite by editing the stored
  table definition, with no rebuild: see :func:`_contact_id_nullable`).
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
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNHANDLED = sa.text("handled_at IS NULL")


def _text(length: int) -> AutoString:
    return AutoString(length=length)


def _contact_id_nullable(nullable: bool) -> None:
    """``communication.contact_id`` NULL-able (or not again).

    PostgreSQL: ALTER COLUMN. SQLite: the table's stored definition is edited in place
    (``writable_schema``) — the change SQLite documents as safe for dropping a NOT NULL, with
    nothing on disk to rewrite. A batch rebuild would drop the table that queue entries and
    follow-ups point at, which SQLite's foreign keys refuse inside the upgrade's transaction.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column(
            "communication", "contact_id", existing_type=sa.Integer(), nullable=nullable
        )
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'communication'"
    ).scalar()
    old, new = (
        ("contact_id INTEGER NOT NULL", "contact_id INTEGER")
        if nullable
        else ("contact_id INTEGER,", "contact_id INTEGER NOT NULL,")
    )
    if sql is None or sql.count(old) != 1:
        raise RuntimeError("The communication table is not as migration 0011 left it.")
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar() or 0)
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'communication'",
        (sql.replace(old, new),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _contact_id_nullable(True)
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
        sa.Column(
            "communication_id", sa.Integer(), sa.ForeignKey("communication.id"), nullable=True
        ),
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
    op.create_index(
        "ux_inbound_position", "inbound_message", ["mailbox", "uidvalidity", "uid"], unique=True
    )
    op.create_index("ux_inbound_message_id", "inbound_message", ["message_id"], unique=True)
    op.create_index("ix_inbound_communication", "inbound_message", ["communication_id"])
    op.create_index(
        "ix_work_inbound_agent",
        "inbound_message",
        ["owner_agent_id"],
        sqlite_where=UNHANDLED,
        postgresql_where=UNHANDLED,
    )
    op.create_index(
        "ix_work_inbound_unit",
        "inbound_message",
        ["owner_unit"],
        sqlite_where=UNHANDLED,
        postgresql_where=UNHANDLED,
    )
    op.create_table(
        "inbound_attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "communication_id", sa.Integer(), sa.ForeignKey("communication.id"), nullable=False
        ),
        sa.Column("filename", _text(255), nullable=False),
        sa.Column("content_type", _text(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", _text(64), nullable=True),
        sa.Column("stored_path", _text(300), nullable=True),
        sa.Column("note", _text(200), nullable=True),
    )
    op.create_index(
        "ix_inbound_attachment_communication_id", "inbound_attachment", ["communication_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_attachment_communication_id", table_name="inbound_attachment")
    op.drop_table("inbound_attachment")
    for name in (
        "ix_work_inbound_unit",
        "ix_work_inbound_agent",
        "ix_inbound_communication",
        "ux_inbound_message_id",
        "ux_inbound_position",
    ):
        op.drop_index(name, table_name="inbound_message")
    op.drop_table("inbound_message")
    op.drop_index("ix_queue_message_id", table_name="communication_queue")
    op.execute("DELETE FROM communication WHERE contact_id IS NULL")
    _contact_id_nullable(False)
