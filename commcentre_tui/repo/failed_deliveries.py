"""The outgoing emails and SMS whose delivery failed, for the Wallboard's list (one key away).

Each row: the communication, its customer, subject, the reason the outbox recorded and when
(the last attempt, else when it was written); newest first. The same set the Today panel counts
as "failed today": communications created from ``since`` with delivery ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlmodel import col

from commcentre_tui.models import Communication, CommunicationQueue, Contact
from commcentre_tui.repo.customer_view import display_name
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.reports_comms import reason_of
from commcentre_tui.text import inert

#: The most rows the list shows.
LIMIT = 200


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    """One failed delivery as the supervisor reads it (texts inert)."""

    communication_id: int
    contact_id: int | None
    customer: str
    media: str
    subject: str
    reason: str
    at: datetime


def failed_deliveries(engine: Engine, since: datetime, limit: int = LIMIT) -> list[FailedDelivery]:
    """Failed deliveries of the communications created from ``since``, newest first."""
    c, q, k = Communication, CommunicationQueue, Contact
    when = func.coalesce(col(q.attempt_started_at), col(c.created_at))
    query = (
        select(
            col(c.id),
            col(c.contact_id),
            col(k.kind),
            col(k.first_name),
            col(k.last_name),
            col(k.company_name),
            col(k.customer_number),
            col(c.media),
            col(c.subject),
            col(c.last_error),
            when,
        )
        .select_from(c)
        .outerjoin(k, col(k.id) == col(c.contact_id))
        .outerjoin(q, col(q.communication_id) == col(c.id))
        .where(col(c.created_at) >= since, col(c.delivery) == "failed")
        .order_by(when.desc(), col(c.id).desc())
        .limit(limit)
    )
    with reading(engine) as session:
        rows = session.execute(query).all()
    return [
        FailedDelivery(
            cid,
            contact_id,
            inert(display_name(kind or "", first, last, company, number or "(no customer)")),
            media,
            inert(subject or "").strip(),
            reason_of(error),
            at,
        )
        for cid, contact_id, kind, first, last, company, number, media, subject, error, at in rows
    ]
