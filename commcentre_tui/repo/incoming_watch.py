"""What the console's change watcher asks when the customer on screen changed: which incoming
emails or SMS arrived for them since it last looked (one indexed read on
``(contact_id, created_at)``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlmodel import col

from commcentre_tui.models import Communication
from commcentre_tui.repo.db import reading

#: The inbound channels (an incoming phone call is logged by an agent, not received).
CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class Arrived:
    """An incoming communication, as a notification names it."""

    communication_id: int
    media: str
    sender: str
    subject: str


def newest_incoming_id(engine: Engine, contact_id: int) -> int:
    """The id of the customer's newest incoming communication (0: none)."""
    with reading(engine) as session:
        return int(
            session.execute(
                select(func.max(col(Communication.id))).where(
                    col(Communication.contact_id) == contact_id,
                    col(Communication.direction) == "incoming",
                    col(Communication.media).in_(CHANNELS),
                )
            ).scalar()
            or 0
        )


def incoming_after(
    engine: Engine, contact_id: int, after_id: int, *, limit: int = 5
) -> list[Arrived]:
    """The customer's incoming communications newer than ``after_id``, oldest first."""
    c = Communication
    with reading(engine) as session:
        rows = session.execute(
            select(col(c.id), col(c.media), col(c.recipient), col(c.subject), col(c.content))
            .where(
                col(c.contact_id) == contact_id,
                col(c.direction) == "incoming",
                col(c.media).in_(CHANNELS),
                col(c.id) > after_id,
            )
            .order_by(col(c.id))
            .limit(limit)
        ).all()
    return [
        Arrived(
            r.id,
            r.media,
            r.recipient,
            (r.subject or (r.content or "").strip().split("\n", 1)[0])[:120],
        )
        for r in rows
    ]
