"""Who sent an incoming message and what it answers: one place for email and SMS.

* :func:`match_sender` — the customers whose email address (normal form, folded) or phone
  (E.164) is the sender's; several → the newest active one (an active account), and it says so.
* :func:`find_answered` — our outgoing communication a reply answers: a Message-ID of ours in
  ``In-Reply-To``/``References`` (the outbox's ``message_id``, indexed; after the queue entry
  was pruned, the communication id our Message-IDs carry, trusted only for that customer); for
  an SMS, our latest SMS to that number within the reply window.
* :func:`case_in_subject` — a case number of that customer in the subject (a reference token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, cast, exists, select
from sqlmodel import Session, col

from commcentre_tui.models import (
    Account,
    Case,
    Communication,
    CommunicationQueue,
    Contact,
    ContactEmail,
    ContactPhone,
)
from commcentre_tui.text import fold

_CASE_NUMBER = re.compile(r"\b(CS\d{7})\b", re.IGNORECASE)


@dataclass(frozen=True)
class SenderMatch:
    """The customer chosen (``None``: unmatched), how many matched, and the note to keep."""

    contact_id: int | None
    count: int
    note: str | None = None
    unit: str | None = None

    @property
    def kind(self) -> str:
        return "none" if self.count == 0 else "one" if self.count == 1 else "several"


@dataclass(frozen=True)
class Answered:
    """Our communication a message answers."""

    id: int
    contact_id: int | None
    agent_id: int | None
    related_type: str | None
    related_id: int | None


def normal_address(address: str) -> str:
    """The folded normal form of an email address, as ``contact_email.address_norm`` holds it."""
    from commcentre_tui.validation import stored_email

    try:
        return fold(stored_email(address)[0])
    except Exception:
        return fold(address)


def match_sender(session: Session, channel: str, sender: str) -> SenderMatch:
    """The customers ``sender`` (an email address, or an E.164 number for SMS) belongs to."""
    if not sender:
        return SenderMatch(None, 0)
    owner: type[ContactPhone] | type[ContactEmail]
    if channel == "sms":
        owner, key, what = ContactPhone, col(ContactPhone.e164) == sender, "phone number"
    else:
        owner, key = ContactEmail, col(ContactEmail.address_norm) == normal_address(sender)
        what = "email address"
    rows = session.execute(
        select(col(Contact.id), col(Contact.unit))
        .join(owner, col(owner.contact_id) == col(Contact.id))
        .where(key)
        .distinct()
        .limit(50)
    ).all()
    if not rows:
        return SenderMatch(None, 0)
    if len(rows) == 1:
        return SenderMatch(int(rows[0].id), 1, None, rows[0].unit)
    active = exists().where(
        col(Account.contact_id) == col(Contact.id), col(Account.status) == "active"
    )
    chosen = session.execute(
        select(col(Contact.id), col(Contact.unit), cast(active, Integer).label("active"))
        .where(col(Contact.id).in_([r.id for r in rows]))
        .order_by(
            cast(active, Integer).desc(), col(Contact.created_at).desc(), col(Contact.id).desc()
        )
        .limit(1)
    ).one()
    note = (
        f"The sender's {what} belongs to {len(rows)} customers; it was given to the newest"
        f"{' active' if chosen.active else ''} one."
    )
    return SenderMatch(int(chosen.id), len(rows), note, chosen.unit)


def _our_id(message_id: str, domain: str) -> int | None:
    """The communication id in one of our Message-IDs (``<cc.ID.ATTEMPT.HEX@domain>``)."""
    found = re.fullmatch(r"<cc\.(\d{1,12})\.\d{1,6}\.[0-9a-f]{8}@(.+)>", message_id)
    if found is None or found.group(2).lower() != domain.lower():
        return None
    return int(found.group(1))


def _answered(session: Session, communication_id: int) -> Answered | None:
    row = session.execute(
        select(
            col(Communication.id),
            col(Communication.contact_id),
            col(Communication.agent_id),
            col(Communication.related_type),
            col(Communication.related_id),
        ).where(
            col(Communication.id) == communication_id, col(Communication.direction) == "outgoing"
        )
    ).first()
    return Answered(*row) if row is not None else None


def match_senders(session: Session, channel: str, senders: list[str]) -> dict[str, SenderMatch]:
    """:func:`match_sender` for many senders at once (one query; several matches are decided
    one by one, as they are rare)."""
    keys = {
        sender: sender if channel == "sms" else normal_address(sender)
        for sender in senders
        if sender
    }
    owner: type[ContactPhone] | type[ContactEmail]
    if channel == "sms":
        owner, column = ContactPhone, col(ContactPhone.e164)
    else:
        owner, column = ContactEmail, col(ContactEmail.address_norm)
    found: dict[str, dict[int, str | None]] = {}
    wanted = sorted(set(keys.values()))
    for start in range(0, len(wanted), 500):
        for key, contact_id, unit in session.execute(
            select(column, col(Contact.id), col(Contact.unit))
            .join(owner, col(owner.contact_id) == col(Contact.id))
            .where(column.in_(wanted[start : start + 500]))
        ):
            found.setdefault(key, {})[int(contact_id)] = unit
    out: dict[str, SenderMatch] = {"": SenderMatch(None, 0)}
    for sender, key in keys.items():
        contacts = found.get(key, {})
        if len(contacts) > 1:
            out[sender] = match_sender(session, channel, sender)
        elif contacts:
            ((contact_id, unit),) = contacts.items()
            out[sender] = SenderMatch(contact_id, 1, None, unit)
        else:
            out[sender] = SenderMatch(None, 0)
    return out


#: Message-ID → (our communication it names, whether the outbox recorded that Message-ID).
ReplyIndex = dict[str, tuple[Answered, bool]]


def reply_index(session: Session, reply_ids: list[str], *, domain: str) -> ReplyIndex:
    """Which of ``reply_ids`` name outgoing communications of ours (two queries for a batch)."""
    wanted = sorted(set(reply_ids))
    if not wanted:
        return {}
    q = CommunicationQueue
    known: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        known.update(
            session.execute(
                select(col(q.message_id), col(q.communication_id)).where(
                    col(q.message_id).in_(wanted[start : start + 500])
                )
            )
            .tuples()
            .all()
        )
    shaped = {
        mid: our for mid in wanted if mid not in known and (our := _our_id(mid, domain)) is not None
    }
    ids = sorted(set(known.values()) | set(shaped.values()))
    c = Communication
    rows: dict[int, Answered] = {}
    for start in range(0, len(ids), 500):
        for row in session.execute(
            select(
                col(c.id),
                col(c.contact_id),
                col(c.agent_id),
                col(c.related_type),
                col(c.related_id),
            ).where(col(c.id).in_(ids[start : start + 500]), col(c.direction) == "outgoing")
        ):
            rows[int(row.id)] = Answered(*row)
    index: ReplyIndex = {mid: (rows[cid], True) for mid, cid in known.items() if cid in rows}
    index.update({mid: (rows[cid], False) for mid, cid in shaped.items() if cid in rows})
    return index


def pick_answered(
    index: ReplyIndex, reply_ids: list[str], contact_id: int | None
) -> Answered | None:
    """The nearest of ``reply_ids`` that is ours: one the outbox recorded, or one with our shape
    whose communication is the matched customer's."""
    for message_id in reply_ids:
        hit = index.get(message_id)
        if hit is not None and (
            hit[1] or (contact_id is not None and hit[0].contact_id == contact_id)
        ):
            return hit[0]
    return None


def find_answered(
    session: Session, reply_ids: list[str], *, domain: str, contact_id: int | None
) -> Answered | None:
    """The outgoing communication of ours that ``reply_ids`` (nearest first) name
    (:func:`pick_answered`)."""
    return pick_answered(reply_index(session, reply_ids, domain=domain), reply_ids, contact_id)


def answered_sms(
    session: Session, contact_id: int | None, sender: str, *, now: datetime, window: timedelta
) -> Answered | None:
    """Our latest SMS to ``sender`` (E.164) within ``window`` before ``now``."""
    if contact_id is None or window <= timedelta(0):
        return None
    c = Communication
    row = session.execute(
        select(col(c.id))
        .where(
            col(c.contact_id) == contact_id,
            col(c.media) == "sms",
            col(c.direction) == "outgoing",
            col(c.recipient) == sender,
            col(c.created_at) >= now - window,
        )
        .order_by(col(c.created_at).desc(), col(c.id).desc())
        .limit(1)
    ).scalar()
    return _answered(session, int(row)) if row is not None else None


def case_in_subject(session: Session, subject: str, contact_id: int | None) -> int | None:
    """The id of the customer's case whose number the subject carries (``[CS0000042]``)."""
    if contact_id is None:
        return None
    for number in _CASE_NUMBER.findall(subject):
        found = session.execute(
            select(col(Case.id)).where(
                and_(col(Case.number) == number.upper(), col(Case.contact_id) == contact_id)
            )
        ).scalar()
        if found is not None:
            return int(found)
    return None
