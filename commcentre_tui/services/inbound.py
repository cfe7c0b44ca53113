"""Incoming communications an agent acts on: attach an unmatched one to a customer, mark one
handled (it leaves My Work). One transaction each, permission-checked, audited.

Replying to one (Follow Up, saved) marks it handled too (:func:`handled_in`, called by
``services.communications`` in the reply's transaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from commcentre_tui.errors import NotFound, RuleViolation
from commcentre_tui.models import Communication, Contact, InboundMessage
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext

ATTACH_ACTION = "Attach to customer"
HANDLED_ACTION = "Mark handled"


def _incoming(session: Session, communication_id: int) -> Communication:
    comm = session.get(Communication, communication_id)
    if comm is None or comm.direction != "incoming":
        raise NotFound("That incoming communication does not exist.")
    return comm


def attach_to_customer(
    ctx: ServiceContext, communication_id: int, contact_id: int
) -> Communication:
    """Give an unmatched incoming communication to the customer ``contact_id``; it goes to the
    attaching agent's My Work."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit")
    with transaction(ctx.engine) as session:
        comm = _incoming(session, communication_id)
        if comm.contact_id is not None:
            raise RuleViolation("This communication already belongs to a customer.")
        if session.get(Contact, contact_id) is None:
            raise NotFound("That customer no longer exists.")
        session.execute(
            update(Communication)
            .where(col(Communication.id) == comm.id, col(Communication.contact_id).is_(None))
            .values(contact_id=contact_id, version=Communication.version + 1)
        )
        session.execute(
            update(InboundMessage)
            .where(col(InboundMessage.communication_id) == comm.id)
            .values(match="attached", owner_agent_id=ctx.actor.agent_id, owner_unit=None)
        )
        session.refresh(comm)
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=ATTACH_ACTION,
            entity="communication",
            entity_id=comm.id,
            before={"contact_id": None},
            after={"contact_id": contact_id},
            detail=f"{comm.media} from {comm.recipient} attached to customer {contact_id}",
        )
    return comm


def handled_in(session: Session, communication_id: int, now: datetime | None = None) -> bool:
    """Mark the incoming communication handled in the caller's transaction; whether it was waiting."""
    result = session.execute(
        update(InboundMessage)
        .where(
            col(InboundMessage.communication_id) == communication_id,
            col(InboundMessage.handled_at).is_(None),
        )
        .values(handled_at=now or utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # execute() of an UPDATE/DELETE returns a CursorResult, which has rowcount


def mark_handled(ctx: ServiceContext, communication_id: int) -> bool:
    """Take an incoming communication off My Work; ``False`` when it already was."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit")
    with transaction(ctx.engine) as session:
        comm = _incoming(session, communication_id)
        if comm.contact_id is None:
            raise RuleViolation("Attach it to a customer first.")
        assert comm.id is not None
        waiting = (
            session.execute(
                select(col(InboundMessage.id)).where(
                    col(InboundMessage.communication_id) == comm.id
                )
            ).scalar()
            is not None
        )
        if not waiting or not handled_in(session, comm.id):
            return False
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=HANDLED_ACTION,
            entity="communication",
            entity_id=comm.id,
            detail="incoming communication handled",
        )
    return True
