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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from commcentre_tui.comms import outbox
from commcentre_tui.models import Case, FollowUp, InboundAttachment, InboundMessage
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.inbound_match import (
    Answered,
    answered_sms,
    case_in_subject,
    find_answered,
    match_sender,
)
from commcentre_tui.repo.locked import retry_when_locked

T_IN = InboundMessage.__table__  # type: ignore[attr-defined]
AUDIT_ACTION = {"email": "Incoming email", "sms": "Incoming SMS"}
#: Tries of a batch that PostgreSQL aborted to break a deadlock between two pollers.
DEADLOCK_TRIES = 5


@dataclass
class StoredAttachment:
    """An attachment as recorded: its file (relative path) or why it was not stored."""

    filename: str
    content_type: str
    size: int
    sha256: str | None = None
    stored_path: str | None = None
    note: str | None = None


@dataclass
class Incoming:
    """One message that arrived, whatever the channel."""

    channel: str
    sender: str
    """An email address, or an E.164 number."""
    sender_name: str = ""
    subject: str = ""
    content: str = ""
    message_id: str | None = None
    reply_ids: list[str] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    mailbox: str | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    size: int = 0
    refused: str | None = None
    """A reason: record the message as refused (nothing else is written)."""
    bounce_ids: list[str] | None = None
    """For a bounce: the Message-IDs it reports on; ``bounce_reason`` why."""
    bounce_reason: str = ""


@dataclass(frozen=True)
class Recorded:
    """What became of one message."""

    outcome: str
    communication_id: int | None = None
    contact_id: int | None = None
    match: str | None = None
    refers_to_id: int | None = None
    owner_agent_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Routing:
    """Where recorded messages go: our Message-ID domain, the fallback unit, the SMS window."""

    domain: str
    unit: str | None = None
    sms_window: timedelta = timedelta(hours=72)


#: Insert a message's row unless one of its keys is recorded already (SQLite ≥ 3.35 and
#: PostgreSQL both say it this way); a plain text statement, compiled once.
_CLAIM = text(
    "INSERT INTO inbound_message (channel, mailbox, uidvalidity, uid, message_id, outcome, reason, "
    "sender, sender_name, size, received_at) VALUES (:channel, :mailbox, :uidvalidity, :uid, "
    ":message_id, :outcome, :reason, :sender, :sender_name, :size, :received_at) "
    "ON CONFLICT DO NOTHING RETURNING id"
).bindparams(bindparam("received_at", type_=T_IN.c.received_at.type))


def _claim(session: Session, item: Incoming, outcome: str, reason: str | None, now: datetime) -> int | None:
    """Insert the message's row unless it is already recorded; its id, or ``None``."""
    return session.execute(_CLAIM, {
        "channel": item.channel, "mailbox": item.mailbox, "uidvalidity": item.uidvalidity,
        "uid": item.uid, "message_id": item.message_id, "outcome": outcome, "reason": reason,
        "sender": item.sender[:254], "sender_name": item.sender_name[:200], "size": item.size,
        "received_at": now}).scalar()


def _audit(session: Session, contact_id: int | None, entity_id: int, action: str, detail: str,
           now: datetime) -> None:
    """The audit entry of a recorded message (no agent), its customer's change counter raised
    (as :func:`commcentre_tui.repo.audit.record` does, without reading the row back)."""
    from commcentre_tui.models import AuditEntry
    from commcentre_tui.repo import changes

    session.execute(insert(AuditEntry.__table__), {  # type: ignore[attr-defined]
        "at": now, "agent_id": None, "action": action, "entity": "communication",
        "entity_id": entity_id, "detail": detail[:500]})
    changes.note(session, contact_id, None)


def _owner(session: Session, answered: Answered | None, case_id: int | None, routing: Routing,
           contact_unit: str | None) -> tuple[int | None, str | None]:
    """The agent who sent what it answers; else the case's owner; else a unit's queue."""
    if answered is not None and answered.agent_id is not None:
        return answered.agent_id, None
    if case_id is not None:
        case = session.get(Case, case_id)
        if case is not None and (case.assigned_agent_id or case.assigned_unit):
            return case.assigned_agent_id, None if case.assigned_agent_id else case.assigned_unit
    return None, routing.unit or contact_unit


def _import(session: Session, item: Incoming, inbound_id: int, routing: Routing, now: datetime) -> Recorded:
    match = match_sender(session, item.channel, item.sender)
    contact_id = match.contact_id
    if item.channel == "sms":
        answered = answered_sms(session, contact_id, item.sender, now=now, window=routing.sms_window)
    else:
        answered = find_answered(session, item.reply_ids, domain=routing.domain, contact_id=contact_id)
    kind, note = match.kind, match.note
    if answered is not None and contact_id is None and answered.contact_id is not None:
        contact_id, kind = answered.contact_id, "one"
        note = "The sender is not on file; it answers our message to this customer."
    if answered is not None and answered.contact_id != contact_id:
        answered = None  # a reply from another customer's address: not that thread
    related_type, related_id = (answered.related_type, answered.related_id) if answered else (None, None)
    if related_type is None:
        case_id = case_in_subject(session, item.subject, contact_id)
        if case_id is not None:
            related_type, related_id = "case", case_id
    case_id = related_id if related_type == "case" else None
    owner_agent, owner_unit = (None, None) if contact_id is None else _owner(
        session, answered, case_id, routing, match.unit)
    (cid,) = outbox.insert_communications(session, [{
        "contact_id": contact_id, "direction": "incoming", "media": item.channel,
        "subject": item.subject, "content": item.content, "recipient": item.sender[:254],
        "state": "completed", "completed_at": now, "shared_notes": note or "",
        "related_type": related_type, "related_id": related_id,
        "follow_up_of_id": answered.id if answered else None,
    }], now)
    session.execute(update(T_IN).where(T_IN.c.id == inbound_id).values(
        communication_id=cid, refers_to_id=answered.id if answered else None, match=kind,
        reason=note, owner_agent_id=owner_agent, owner_unit=owner_unit))
    for a in item.attachments:
        session.execute(insert(InboundAttachment.__table__).values(  # type: ignore[attr-defined]
            communication_id=cid, filename=a.filename, content_type=a.content_type, size=a.size,
            sha256=a.sha256, stored_path=a.stored_path, note=a.note))
    if case_id is not None:
        session.add(FollowUp(case_id=case_id, kind="communication", communication_id=cid,
                             note=f"The customer answered by {'SMS' if item.channel == 'sms' else 'email'}.",
                             created_at=now))
    where = "from an unknown sender" if contact_id is None else f"matched: {kind}"
    _audit(session, contact_id, cid, AUDIT_ACTION[item.channel], f"{item.channel} received {where}"
           + (f", answers communication {answered.id}" if answered else ""), now)
    return Recorded("imported", cid, contact_id, kind, answered.id if answered else None, owner_agent)


def _bounce(session: Session, item: Incoming, inbound_id: int, routing: Routing) -> Recorded:
    """Mark our delivery Failed with the bounce's reason (no communication is created)."""
    answered = find_answered(session, item.bounce_ids or [], domain=routing.domain, contact_id=None)
    if answered is None:
        reason = "a bounce for a message we did not send (or no longer know)"
        session.execute(update(T_IN).where(T_IN.c.id == inbound_id).values(outcome="refused", reason=reason))
        return Recorded("refused", reason=reason)
    error = f"Bounced: {item.bounce_reason}"[:500]
    c, q = outbox.T_COMM.c, outbox.T_QUEUE.c
    session.execute(update(outbox.T_COMM).where(c.id == answered.id).values(delivery="failed", last_error=error))
    session.execute(update(outbox.T_QUEUE).where(q.communication_id == answered.id)
                    .values(status="failed", last_error=error, lease_until=None))
    session.execute(update(T_IN).where(T_IN.c.id == inbound_id).values(
        refers_to_id=answered.id, reason=item.bounce_reason[:500]))
    _audit(session, answered.contact_id, answered.id, "Delivery bounced", error, utcnow())
    return Recorded("bounce", refers_to_id=answered.id, contact_id=answered.contact_id, reason=error)


def record_one(session: Session, item: Incoming, routing: Routing, now: datetime) -> Recorded:
    """Record ``item`` in the caller's transaction (see the module docstring)."""
    outcome = "refused" if item.refused else "bounce" if item.bounce_ids is not None else "imported"
    inbound_id = _claim(session, item, outcome, item.refused, now)
    if inbound_id is None:
        return Recorded("duplicate")
    if item.refused:
        return Recorded("refused", reason=item.refused)
    if item.bounce_ids is not None:
        return _bounce(session, item, inbound_id, routing)
    return _import(session, item, inbound_id, routing, now)


def _deadlock(exc: DBAPIError) -> bool:
    return "deadlock detected" in str(exc).lower()


def record_batch(engine: Engine, items: Sequence[Incoming], routing: Routing, *,
                 now: datetime | None = None) -> list[Recorded]:
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
def _record_all(engine: Engine, items: Sequence[Incoming], routing: Routing, now: datetime) -> list[Recorded]:
    with transaction(engine) as session:
        return [record_one(session, item, routing, now) for item in items]


def record_sms(engine: Engine, item: Incoming, routing: Routing, *, opt_out: bool | None) -> Recorded:
    """Record an incoming SMS and, for STOP (``opt_out`` true) or START (false), set the SMS
    opt-out of every customer with that number — one transaction, each change audited."""
    from commcentre_tui.models import Contact, ContactPhone

    @retry_when_locked
    def run() -> Recorded:
        with transaction(engine) as session:
            result = record_one(session, item, routing, utcnow())
            if result.outcome != "imported" or opt_out is None:
                return result
            owners = select(ContactPhone.contact_id).where(ContactPhone.e164 == item.sender)
            changed = session.execute(
                update(Contact).where(Contact.id.in_(owners.scalar_subquery()),
                                      Contact.sms_opt_out.is_not(opt_out))
                .values(sms_opt_out=opt_out, version=Contact.version + 1)
                .returning(Contact.id)).scalars().all()
            word = "STOP: opted out of SMS" if opt_out else "START: opted in to SMS again"
            for contact_id in changed:
                audit.record(session, agent_id=None, action="SMS opt-out" if opt_out else "SMS opt-in",
                             entity="contact", entity_id=contact_id,
                             before={"sms_opt_out": not opt_out}, after={"sms_opt_out": opt_out},
                             detail=f"{word} by an SMS from {item.sender}")
            return result

    return run()


def recorded_positions(engine: Engine, mailbox: str, uidvalidity: int, uids: Sequence[int]) -> set[int]:
    """Which of ``uids`` are already recorded for this mailbox (a poller skips them)."""
    if not uids:
        return set()
    from commcentre_tui.repo.db import reading

    found: set[int] = set()
    with reading(engine) as session:
        for start in range(0, len(uids), 500):
            chunk = list(uids[start:start + 500])
            found.update(session.execute(select(T_IN.c.uid).where(
                T_IN.c.mailbox == mailbox, T_IN.c.uidvalidity == uidvalidity,
                T_IN.c.uid.in_(chunk))).scalars())
    return found
