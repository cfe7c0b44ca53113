"""Open draft communications: the ones an agent can still complete (Complete Draft's list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import col

from commcentre_tui.models import Agent, Communication
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.visibility import visible_communications


@dataclass(frozen=True)
class DraftRow:
    """A draft communication as a pick list shows it."""

    id: int
    contact_id: int
    agent_id: int | None
    created_at: datetime
    direction: str
    media: str
    category: str
    subject: str
    author: str
    """Who saved it as a draft (display name; blank when no agent did)."""


def open_drafts(
    engine: Engine, actor: Actor, contact_id: int, *, limit: int = 50
) -> list[DraftRow]:
    """The customer's drafts ``actor`` may complete, newest first: their own, or every visible
    one for a supervisor (the rule of :mod:`commcentre_tui.services.comm_access`)."""
    c = Communication
    where = [
        col(c.contact_id) == contact_id,
        col(c.state) == "draft",
        visible_communications(actor),
    ]
    if not actor.is_supervisor:
        where.append(col(c.agent_id) == actor.agent_id)
    with reading(engine) as session:
        rows = session.execute(
            select(c, col(Agent.display_name))
            .outerjoin(Agent, col(Agent.id) == col(c.agent_id))
            .where(*where)
            .order_by(col(c.created_at).desc(), col(c.id).desc())
            .limit(limit)
        ).all()
    return [
        DraftRow(
            comm.id or 0,
            comm.contact_id,
            comm.agent_id,
            comm.created_at,
            comm.direction,
            comm.media,
            comm.category,
            comm.subject,
            name or "",
        )
        for comm, name in rows
    ]
