"""Recording an incoming message exactly once — one code path for email and SMS.

Every write happens in the caller's transaction (:func:`record_batch` opens one per batch):
the ``inbound_message`` row is inserted first with ``ON CONFLICT DO NOTHING``, so a message
another poller (or an earlier run that died after its commit) already recorded is skipped as a
``duplicate``; then the communication, its attachments, the case follow-up, the audit entry. A
failure rolls all of it back: never a half-stored communication.

Outcomes: ``imported`` (a communication), ``bounce`` (our delivery marked Failed), ``refused``
(kept as a row with the reason, so it is not read again), ``duplicate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from commcentre_tui.models import Case, FollowUp, InboundAttachment
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo import audit, outbox_writes
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.inbound_claim import T_IN, _claim_many
from commcentre_tui.repo.inbound_match import (
    Answered,
    SenderMatch,
    answered_sms,
    case_in_subject,
    find_answered,
    match_senders,
    pick_answered,
    reply_index,
)
from commcentre_tui.repo.inbound_types import Incoming, Recorded, Routing
from commcentre_tui.repo.locked import retry_when_locked

AUDIT_ACTION = {"email": "Incoming email", "sms": "Incoming SMS"}
#: Tries of a batch that PostgreSQL aborted to break a deadlock between two pollers.
DEADLOCK_TRIES = 5


def _owner(
    session: Session,
    answered: Answered | None,
    case_id: int | None,
    routing: Routing,
    contact_unit: str | None,
) -> tuple[int | None, str | None]:
    """The agent who sent what it answers; else the case's owner; else a unit's queue."""
    if answered is not None and answered.agent_id is not None:
        return answered.agent_id, None
    if case_id is not None:
        case = session.get(Case, case_id)
        if case is not None and (case.assigned_agent_id or case.assigned_unit):
            return case.assigned_agent_id, None if case.assigned_agent_id else case.assigned_unit
    return None, routing.unit or contact_unit


@dataclass
class _Plan:
    """One message on its way to a communication."""

    item: Incoming
    inbound_id: int
    contact_id: int | None
    kind: str
    note: str | None
    answered: Answered | None
    case_id: int | None
    owner: tuple[int | None, str | None]
    row: dict[str, object]


def _plan(
    session: Session,
    item: Incoming,
    inbound_id: int,
    match: SenderMatch,
    answered: Answered | None,
    routing: Routing,
    now: datetime,
) -> _Plan:
    contact_id, kind, note = match.contact_id, match.kind, match.note
    if answered is not None and contact_id is None and answered.contact_id is not None:
        contact_id, kind = answered.contact_id, "one"
        note = "The sender is not on file; it answers our message to this customer."
    if answered is not None and answered.contact_id != contact_id:
        answered = None  # a reply from another customer's address: not that thread
    related_type, related_id = (
        (answered.related_type, answered.related_id) if answered else (None, None)
    )
    if related_type is None:
        case_id = case_in_subject(session, item.subject, contact_id)
        if case_id is not None:
            related_type, related_id = "case", case_id
    case_id = related_id if related_type == "case" else None
    owner = (
        (None, None)
        if contact_id is None
        else _owner(session, answered, case_id, routing, match.unit)
    )
    row: dict[str, object] = {
        "contact_id": contact_id,
        "direction": "incoming",
        "media": item.channel,
        "subject": item.subject,
        "content": item.content,
        "recipient": item.sender[:254],
        "state": "completed",
        "completed_at": now,
        "shared_notes": note or "",
        "related_type": related_type,
        "related_id": related_id,
        "follow_up_of_id": answered.id if answered else None,
    }
    return _Plan(item, inbound_id, contact_id, kind, note, answered, case_id, owner, row)


_SET_COMMUNICATION = (
    update(T_IN)
    .where(T_IN.c.id == bindparam("p_id"))
    .values(
        communication_id=bindparam("p_cid"),
        refers_to_id=bindparam("p_refers"),
        match=bindparam("p_match"),
        reason=bindparam("p_reason"),
        owner_agent_id=bindparam("p_agent"),
        owner_unit=bindparam("p_unit"),
    )
)


def _import_many(
    session: Session, todo: list[tuple[Incoming, int]], routing: Routing, now: datetime
) -> list[Recorded]:
    """Communications for ``todo`` (one channel), with a handful of statements for the batch."""
    from commcentre_tui.models import AuditEntry
    from commcentre_tui.repo import changes

    channel = todo[0][0].channel
    matches = match_senders(session, channel, [item.sender for item, _ in todo])
    index = reply_index(
        session, [m for item, _ in todo for m in item.reply_ids], domain=routing.domain
    )
    plans = []
    for item, inbound_id in todo:
        match = matches[item.sender]
        if channel == "sms":
            answered = answered_sms(
                session, match.contact_id, item.sender, now=now, window=routing.sms_window
            )
        else:
            answered = pick_answered(index, item.reply_ids, match.contact_id)
        plans.append(_plan(session, item, inbound_id, match, answered, routing, now))
    cids = outbox_writes.insert_communications(session, [p.row for p in plans], now)
    session.execute(
        _SET_COMMUNICATION,
        [
            {
                "p_id": p.inbound_id,
                "p_cid": cid,
                "p_refers": p.answered.id if p.answered else None,
                "p_match": p.kind,
                "p_reason": p.note,
                "p_agent": p.owner[0],
                "p_unit": p.owner[1],
            }
            for p, cid in zip(plans, cids, strict=True)
        ],
    )
    files = [
        {
            "communication_id": cid,
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
            "stored_path": a.stored_path,
            "note": a.note,
        }
        for p, cid in zip(plans, cids, strict=True)
        for a in p.item.attachments
    ]
    if files:
        session.execute(insert(InboundAttachment.__table__), files)  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    audits = []
    for p, cid in zip(plans, cids, strict=True):
        if p.case_id is not None:
            session.add(
                FollowUp(
                    case_id=p.case_id,
                    kind="communication",
                    communication_id=cid,
                    created_at=now,
                    note=f"The customer answered by {'SMS' if channel == 'sms' else 'email'}.",
                )
            )
        where = "from an unknown sender" if p.contact_id is None else f"matched: {p.kind}"
        audits.append(
            {
                "at": now,
                "agent_id": None,
                "action": AUDIT_ACTION[channel],
                "entity": "communication",
                "entity_id": cid,
                "detail": f"{channel} received {where}"
                + (f", answers communication {p.answered.id}" if p.answered else ""),
            }
        )
        changes.note(session, p.contact_id, None)
    session.execute(insert(AuditEntry.__table__), audits)  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    return [
        Recorded(
            "imported", cid, p.contact_id, p.kind, p.answered.id if p.answered else None, p.owner[0]
        )
        for p, cid in zip(plans, cids, strict=True)
    ]


def _bounce(session: Session, item: Incoming, inbound_id: int, routing: Routing) -> Recorded:
    """Mark our delivery Failed with the bounce's reason (no communication is created)."""
    answered = find_answered(session, item.bounce_ids or [], domain=routing.domain, contact_id=None)
    if answered is None:
        reason = "a bounce for a message we did not send (or no longer know)"
        session.execute(
            update(T_IN).where(T_IN.c.id == inbound_id).values(outcome="refused", reason=reason)
        )
        return Recorded("refused", reason=reason)
    error = f"Bounced: {item.bounce_reason}"[:500]
    c, q = outbox_writes.T_COMM.c, outbox_writes.T_QUEUE.c
    session.execute(
        update(outbox_writes.T_COMM)
        .where(c.id == answered.id)
        .values(delivery="failed", last_error=error)
    )
    session.execute(
        update(outbox_writes.T_QUEUE)
        .where(q.communication_id == answered.id)
        .values(status="failed", last_error=error, lease_until=None)
    )
    session.execute(
        update(T_IN)
        .where(T_IN.c.id == inbound_id)
        .values(refers_to_id=answered.id, reason=item.bounce_reason[:500])
    )
    audit.record(
        session,
        agent_id=None,
        action="Delivery bounced",
        entity="communication",
        entity_id=answered.id,
        detail=error,
    )
    return Recorded(
        "bounce", refers_to_id=answered.id, contact_id=answered.contact_id, reason=error
    )


def record_many(
    session: Session, items: Sequence[Incoming], routing: Routing, now: datetime
) -> list[Recorded]:
    """Record ``items`` in the caller's transaction (see the module docstring)."""
    outcomes = [
        "refused" if i.refused else "bounce" if i.bounce_ids is not None else "imported"
        for i in items
    ]
    ids = _claim_many(session, items, outcomes, now)
    results: list[Recorded | None] = [None] * len(items)
    todo: dict[str, list[tuple[int, Incoming, int]]] = {}
    for n, (item, inbound_id) in enumerate(zip(items, ids, strict=True)):
        if inbound_id is None:
            results[n] = Recorded("duplicate")
        elif item.refused:
            results[n] = Recorded("refused", reason=item.refused)
        elif item.bounce_ids is not None:
            results[n] = _bounce(session, item, inbound_id, routing)
        else:
            todo.setdefault(item.channel, []).append((n, item, inbound_id))
    for batch in todo.values():
        done = _import_many(
            session, [(item, inbound_id) for _, item, inbound_id in batch], routing, now
        )
        for (n, _item, _id), result in zip(batch, done, strict=True):
            results[n] = result
    return [r for r in results if r is not None]


def record_one(session: Session, item: Incoming, routing: Routing, now: datetime) -> Recorded:
    """Record one message in the caller's transaction."""
    return record_many(session, [item], routing, now)[0]


def _deadlock(exc: DBAPIError) -> bool:
    return "deadlock detected" in str(exc).lower()


def record_batch(
    engine: Engine, items: Sequence[Incoming], routing: Routing, *, now: datetime | None = None
) -> list[Recorded]:
    """Record ``items`` in one transaction (retried whole when SQLite stays locked or
    PostgreSQL breaks a deadlock between pollers)."""
    for attempt in range(1, DEADLOCK_TRIES + 1):
        try:
            return _record_all(engine, items, routing, now or utcnow())
        except DBAPIError as exc:
            if attempt == DEADLOCK_TRIES or not _deadlock(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@retry_when_locked
def _record_all(
    engine: Engine, items: Sequence[Incoming], routing: Routing, now: datetime
) -> list[Recorded]:
    with transaction(engine) as session:
        return record_many(session, items, routing, now)


def record_sms(
    engine: Engine, item: Incoming, routing: Routing, *, opt_out: bool | None
) -> Recorded:
    """Record an incoming SMS and, for STOP (``opt_out`` true) or START (false), set the SMS
    opt-out of every customer with that number — one transaction, each change audited."""
    from commcentre_tui.models import Contact, ContactPhone

    @retry_when_locked
    def run() -> Recorded:
        with transaction(engine) as session:
            result = record_one(session, item, routing, utcnow())
            if result.outcome != "imported" or opt_out is None:
                return result
            owners = select(col(ContactPhone.contact_id)).where(
                col(ContactPhone.e164) == item.sender
            )
            changed = (
                session.execute(
                    update(Contact)
                    .where(
                        col(Contact.id).in_(owners.scalar_subquery()),
                        col(Contact.sms_opt_out).is_not(opt_out),
                    )
                    .values(sms_opt_out=opt_out, version=Contact.version + 1)
                    .returning(col(Contact.id))
                )
                .scalars()
                .all()
            )
            word = "STOP: opted out of SMS" if opt_out else "START: opted in to SMS again"
            for contact_id in changed:
                audit.record(
                    session,
                    agent_id=None,
                    action="SMS opt-out" if opt_out else "SMS opt-in",
                    entity="contact",
                    entity_id=contact_id,
                    before={"sms_opt_out": not opt_out},
                    after={"sms_opt_out": opt_out},
                    detail=f"{word} by an SMS from {item.sender}",
                )
            return result

    return run()


def recorded_positions(
    engine: Engine, mailbox: str, uidvalidity: int, uids: Sequence[int]
) -> set[int]:
    """Which of ``uids`` are already recorded for this mailbox (a poller skips them)."""
    if not uids:
        return set()
    from commcentre_tui.repo.db import reading

    found: set[int] = set()
    with reading(engine) as session:
        for start in range(0, len(uids), 500):
            chunk = list(uids[start : start + 500])
            found.update(
                session.execute(
                    select(T_IN.c.uid).where(
                        T_IN.c.mailbox == mailbox,
                        T_IN.c.uidvalidity == uidvalidity,
                        T_IN.c.uid.in_(chunk),
                    )
                ).scalars()
            )
    return found
