"""Reading incoming communications: the supervisors' unmatched list, one message's details.

:func:`unmatched` pages the incoming communications no customer was found for, newest first
(keyset on ``(created_at, id)``; the index ``(contact_id, created_at)`` serves ``contact_id IS
NULL``). :func:`inbound_detail` gives what the record screen shows beside the communication: the
sender, how it was matched, what it answers, its attachments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Engine, and_, or_, select
from sqlmodel import Session, col

from commcentre_tui.models import Communication, InboundAttachment, InboundMessage
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.my_work import aware

if TYPE_CHECKING:
    from commcentre_tui.repo.customer_detail import DetailSection

#: A keyset position: (created_at, id) of the last row shown.
Cursor = tuple[datetime, int]


@dataclass(frozen=True)
class UnmatchedRow:
    """An incoming communication waiting to be attached to a customer."""

    communication_id: int
    media: str
    sender: str
    sender_name: str
    subject: str
    content: str
    received_at: datetime


@dataclass(frozen=True)
class UnmatchedPage:
    rows: tuple[UnmatchedRow, ...]
    has_more: bool
    cursor: Cursor | None


@dataclass(frozen=True)
class AttachmentRow:
    filename: str
    content_type: str
    size: int
    stored: bool
    note: str | None


@dataclass(frozen=True)
class InboundDetail:
    """How an incoming communication arrived."""

    channel: str
    sender: str
    sender_name: str
    match: str | None
    match_note: str | None
    answers_id: int | None
    owner_agent_id: int | None
    owner_unit: str | None
    handled_at: datetime | None
    attachments: tuple[AttachmentRow, ...]


def unmatched(engine: Engine, *, after: Cursor | None = None, limit: int = 50) -> UnmatchedPage:
    """A page of unmatched incoming communications, newest first."""
    c, i = Communication, InboundMessage
    where: list[ColumnElement[bool]] = [col(c.contact_id).is_(None), col(c.direction) == "incoming"]
    if after is not None:
        where.append(
            or_(
                col(c.created_at) < after[0],
                and_(col(c.created_at) == after[0], col(c.id) < after[1]),
            )
        )
    stmt = (
        select(
            col(c.id),
            col(c.media),
            col(c.recipient),
            col(c.subject),
            col(c.content),
            col(c.created_at),
            col(i.sender_name),
        )
        .outerjoin(i, col(i.communication_id) == col(c.id))
        .where(*where)
        .order_by(col(c.created_at).desc(), col(c.id).desc())
        .limit(limit + 1)
    )
    with reading(engine) as session:
        rows = session.execute(stmt).all()
    page = [
        UnmatchedRow(
            r.id,
            r.media,
            r.recipient,
            r.sender_name or "",
            r.subject,
            r.content,
            aware(r.created_at),
        )
        for r in rows[:limit]
    ]
    cursor = (page[-1].received_at, page[-1].communication_id) if page else None
    return UnmatchedPage(tuple(page), len(rows) > limit, cursor)


def unmatched_count(engine: Engine) -> int:
    """How many incoming communications wait for a customer."""
    from sqlalchemy import func

    with reading(engine) as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Communication)
                .where(col(Communication.contact_id).is_(None))
            ).scalar()
            or 0
        )


def inbound_detail(engine: Engine, communication_id: int) -> InboundDetail | None:
    """How ``communication_id`` arrived (``None``: it was not received on an inbound channel)."""
    with reading(engine) as session:
        row = session.execute(
            select(InboundMessage).where(col(InboundMessage.communication_id) == communication_id)
        ).scalar()
        if row is None:
            return None
        files = (
            session.execute(
                select(InboundAttachment)
                .where(col(InboundAttachment.communication_id) == communication_id)
                .order_by(col(InboundAttachment.id))
            )
            .scalars()
            .all()
        )
    return InboundDetail(
        channel=row.channel,
        sender=row.sender,
        sender_name=row.sender_name,
        match=row.match,
        match_note=row.reason,
        answers_id=row.refers_to_id,
        owner_agent_id=row.owner_agent_id,
        owner_unit=row.owner_unit,
        handled_at=aware(row.handled_at) if row.handled_at else None,
        attachments=tuple(
            AttachmentRow(f.filename, f.content_type, f.size, f.stored_path is not None, f.note)
            for f in files
        ),
    )


#: How a sender was matched (``inbound_message.match``), as the detail view says it.
MATCH_WORDS = {
    "one": "by the sender",
    "several": "newest of several customers",
    "none": "no customer found",
    "attached": "attached by an agent",
}


def received_sections(session: Session, communication_id: int) -> list[DetailSection]:
    """The detail view's lists for a received email or SMS: how it arrived, and its attachments
    (listed, never opened); none for a communication that was not received."""
    from commcentre_tui.repo.customer_detail import DetailSection

    row = session.execute(
        select(InboundMessage).where(col(InboundMessage.communication_id) == communication_id)
    ).scalar()
    if row is None:
        return []
    files = (
        session.execute(
            select(InboundAttachment)
            .where(col(InboundAttachment.communication_id) == communication_id)
            .order_by(col(InboundAttachment.id))
        )
        .scalars()
        .all()
    )
    sender = f"{row.sender_name} <{row.sender}>" if row.sender_name else row.sender
    return [
        DetailSection(
            "Received",
            ("Via", "From", "Matched", "Note"),
            (
                (
                    row.channel,
                    sender,
                    MATCH_WORDS.get(row.match or "", row.match or ""),
                    row.reason or "",
                ),
            ),
        ),
        DetailSection(
            "Attachments",
            ("File", "Type", "Bytes", "Kept"),
            tuple(
                (
                    f.filename,
                    f.content_type,
                    f.size,
                    "stored" if f.stored_path else (f.note or "not kept"),
                )
                for f in files
            ),
        ),
    ]
