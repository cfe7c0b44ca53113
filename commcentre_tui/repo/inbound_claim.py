"""Claiming an incoming message's ``inbound_message`` row exactly once (``ON CONFLICT DO NOTHING``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from commcentre_tui.models import InboundMessage
from commcentre_tui.repo.inbound_types import Incoming

T_IN = InboundMessage.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)


#: Insert a message's row unless one of its keys is recorded already (SQLite ≥ 3.35 and
#: PostgreSQL both say it this way); a plain text statement, compiled once.
_CLAIM = text(
    "INSERT INTO inbound_message (channel, mailbox, uidvalidity, uid, message_id, outcome, reason, "
    "sender, sender_name, size, received_at) VALUES (:channel, :mailbox, :uidvalidity, :uid, "
    ":message_id, :outcome, :reason, :sender, :sender_name, :size, :received_at) "
    "ON CONFLICT DO NOTHING RETURNING id"
).bindparams(bindparam("received_at", type_=T_IN.c.received_at.type))


def _claim(
    session: Session, item: Incoming, outcome: str, reason: str | None, now: datetime
) -> int | None:
    """Insert the message's row unless it is already recorded; its id, or ``None``."""
    return session.execute(
        _CLAIM,
        {
            "channel": item.channel,
            "mailbox": item.mailbox,
            "uidvalidity": item.uidvalidity,
            "uid": item.uid,
            "message_id": item.message_id,
            "outcome": outcome,
            "reason": reason,
            "sender": item.sender[:254],
            "sender_name": item.sender_name[:200],
            "size": item.size,
            "received_at": now,
        },
    ).scalar()


def _claim_many(
    session: Session, items: Sequence[Incoming], outcomes: list[str], now: datetime
) -> list[int | None]:
    """:func:`_claim` for a batch of one mailbox's messages in one statement (ids by UID; a
    message already recorded gets ``None``)."""
    positions = [(i.mailbox, i.uidvalidity, i.uid) for i in items]
    if len(items) < 2 or any(i.uid is None for i in items) or len(set(positions)) != len(items):
        return [_claim(session, i, o, i.refused, now) for i, o in zip(items, outcomes, strict=True)]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [
        {
            "channel": i.channel,
            "mailbox": i.mailbox,
            "uidvalidity": i.uidvalidity,
            "uid": i.uid,
            "message_id": i.message_id,
            "outcome": o,
            "reason": i.refused,
            "sender": i.sender[:254],
            "sender_name": i.sender_name[:200],
            "size": i.size,
            "received_at": now,
        }
        for i, o in zip(items, outcomes, strict=True)
    ]
    stmt = (
        dialect.insert(T_IN)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(T_IN.c.id, T_IN.c.mailbox, T_IN.c.uidvalidity, T_IN.c.uid)
    )
    got = {(r.mailbox, r.uidvalidity, r.uid): int(r.id) for r in session.execute(stmt)}
    return [got.get(p) for p in positions]
