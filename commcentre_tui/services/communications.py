"""Communications: Create a Communication (Save as Draft / Save), reopen, Follow Up, retry,
and listing — the life cycle. Templates for the form (with the live preview and bulk notify)
live in :mod:`.comm_templates`, bulk notify in :mod:`.comm_bulk`, autosaved form drafts in
:mod:`.comm_drafts`; all are re-exported here, so ``services.communications`` stays the one import for the console.

Every function takes a :class:`ServiceContext`, runs one transaction, checks permissions and
writes an audit entry for changes. Bad input raises ``ValidationFailed`` whose ``field`` (and
``errors`` for several) names the form field: ``contact_id``, ``media``, ``direction``,
``category``, ``subject``, ``content``, ``recipient``, ``related_type``, ``related_id``,
``follow_up_of_id``, ``visibility``.

Save of an outgoing email or SMS writes the communication **and** its queue entry in the same
transaction (the outbox); the delivery worker sends it (``comms.worker``). Tags (``{{ … }}``) in
an outgoing subject or content are rendered at Save for the customer, so an unknown tag or a
tag with no value is an error on the field before anything is queued. Rendering (within the
template budget, ``comms.sandbox``) happens **before** the write transaction opens, so a slow
template never holds the database's write lock; the transaction writes what was rendered.

Input is validated like every service's (``validation.parse_input``: no NUL or other control
characters, one-line subjects and recipients) and the content is at most
``[communications] max_content_chars`` characters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import select
from sqlmodel import Session, col

from commcentre_tui.catalog import DIRECTIONS, MEDIA
from commcentre_tui.comms import outbox
from commcentre_tui.comms.context_single import load_one, related_record
from commcentre_tui.comms.rules import check_outgoing
from commcentre_tui.comms.templates import Limits
from commcentre_tui.errors import CommCentreError, NotFound, RuleViolation, ValidationFailed
from commcentre_tui.models import Communication, Contact
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.comm_access import draft_access, edit_refusal
from commcentre_tui.services.comm_bulk import bulk_notify, notify_results
from commcentre_tui.services.comm_drafts import (
    discard_form_draft,
    discard_in,
    load_form_draft,
    save_form_draft,
)
from commcentre_tui.services.comm_templates import (
    RenderedTemplate,
    contact_recipients,
    list_templates,
    preview,
    render_template_for,
    sms_info,
)
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.validation import StorableText, parse_input

__all__ = [
    "ACTION",
    "QUEUED_MEDIA",
    "STATES",
    "CommunicationInput",
    "RenderedTemplate",
    "bulk_notify",
    "complete_communication",
    "contact_recipients",
    "create_communication",
    "discard_form_draft",
    "draft_access",
    "follow_up",
    "follow_up_defaults",
    "get_communication",
    "list_communications",
    "list_templates",
    "load_form_draft",
    "notify_results",
    "preview",
    "render_template_for",
    "reopen_draft",
    "retry_delivery",
    "save_draft",
    "save_form_draft",
    "sms_info",
]

ACTION = "Create a Communication"
QUEUED_MEDIA = ("email", "sms")
STATES = ("draft", "completed", "queued", "sent", "failed")
AUDITED = (
    "state",
    "delivery",
    "direction",
    "media",
    "category",
    "subject",
    "recipient",
    "related_type",
    "related_id",
    "follow_up_of_id",
)


class CommunicationInput(StorableText):
    """The fields of the "Create a Communication" form (``content`` and ``shared_notes`` are
    multi-line; every other text field is one line)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    contact_id: int
    direction: str = "outgoing"
    media: str = "email"
    category: str = "General"
    subject: str = ""
    content: str = ""
    recipient: str = ""
    """The email address or phone number to use; blank = the contact's primary one."""
    shared_notes: str = ""
    related_type: str | None = None
    related_id: int | None = None
    template_id: int | None = None
    follow_up_of_id: int | None = None
    visibility: str = "public"
    call_started_at: datetime | None = None
    call_duration_seconds: int | None = None
    disposition_reason: str | None = None
    disposition_outcome: str | None = None


#: What a prepared (rendered) outgoing message is: ``(recipient, subject, content)``, the
#: sending-rule error to raise inside the transaction, or ``None`` (nothing to send).
Prepared = tuple[str, str, str] | CommCentreError | None


def _parse(ctx: ServiceContext, data: CommunicationInput | dict[str, Any]) -> CommunicationInput:
    """The validated input (the same path as every service), content within the size limit."""
    data = parse_input(CommunicationInput, data)
    limit = ctx.settings.communications.max_content_chars
    errors = {
        name: f"The {name.replace('_', ' ')} is {len(text):,} characters long; the limit is {limit:,}."
        for name, text in (("content", data.content), ("shared_notes", data.shared_notes))
        if len(text) > limit
    }
    if errors:
        raise ValidationFailed.many(errors)
    return data


def _subject(data: CommunicationInput) -> str:
    return " ".join(data.subject.split()) if data.media == "email" else data.subject.strip()


def _prepare(ctx: ServiceContext, data: CommunicationInput, *, complete: bool) -> Prepared:
    """Save of an outgoing email/SMS: apply the sending rules and render its tags (within the
    template budget) in a read-only session, **before** the write transaction opens."""
    if not complete or data.direction != "outgoing" or data.media not in QUEUED_MEDIA:
        return None
    try:
        with reading(ctx.engine) as session:
            info, context = load_one(
                session,
                data.contact_id,
                data.related_type,
                data.related_id,
                agent_id=ctx.actor.agent_id,
                today=utcnow().date(),
            )
        return check_outgoing(
            ctx.settings,
            info,
            context,
            media=data.media,
            recipient=data.recipient,
            subject=_subject(data),
            content=data.content,
            template_id=data.template_id,
            limits=Limits.from_settings(ctx.settings),
        )
    except CommCentreError as exc:  # raised in the transaction, after the form's own checks
        return exc


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("That customer no longer exists.")
    return contact


def _clean(
    ctx: ServiceContext,
    session: Session,
    data: CommunicationInput,
    *,
    complete: bool,
    prepared: Prepared = None,
) -> dict[str, Any]:
    """Validated column values for ``data``; Save (``complete``) applies the sending rules."""
    settings = ctx.settings
    errors: dict[str, str] = {}
    values = data.model_dump()
    if data.media not in MEDIA:
        errors["media"] = f"The media must be one of: {', '.join(MEDIA)}."
    if data.direction not in DIRECTIONS:
        errors["direction"] = "The direction must be incoming or outgoing."
    if data.category not in settings.communications.categories:
        errors["category"] = (
            f"Choose a category from the list ({', '.join(settings.communications.categories)})."
        )
    if data.visibility not in ("public", "unit"):
        errors["visibility"] = "Visibility is public or unit."
    elif data.visibility == "unit" and not ctx.actor.unit:
        errors["visibility"] = (
            "Only agents who belong to a unit can make a communication unit-only."
        )
    values["subject"] = _subject(data)
    if len(values["subject"]) > 300:
        errors["subject"] = "The subject can be at most 300 characters."
    _contact(session, data.contact_id)
    try:
        related_record(session, data.contact_id, data.related_type, data.related_id)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if data.follow_up_of_id is not None:
        original = session.get(Communication, data.follow_up_of_id)
        if original is None or original.contact_id != data.contact_id:
            errors["follow_up_of_id"] = "The communication it follows up is not this customer's."
    if errors:
        raise ValidationFailed.many(errors)
    values["unit"] = ctx.actor.unit if data.visibility == "unit" else None
    if complete:
        _sending_rules(data, values, prepared)
    return values


def _sending_rules(data: CommunicationInput, values: dict[str, Any], prepared: Prepared) -> None:
    """Save: outgoing email/SMS must be sendable — what :func:`_prepare` rendered before the
    transaction (``comms.rules``); others keep what was typed."""
    if data.direction != "outgoing" or data.media not in QUEUED_MEDIA:
        values["recipient"] = data.recipient.strip()[:254]
        return
    if isinstance(prepared, CommCentreError):
        raise prepared
    assert prepared is not None
    values["recipient"], values["subject"], values["content"] = prepared


def _save(ctx: ServiceContext, session: Session, comm: Communication, *, complete: bool) -> None:
    """Mark completed (and queue outgoing email/SMS) inside the caller's transaction."""
    if not complete:
        comm.state = "draft"
        return
    now = utcnow()
    comm.state, comm.completed_at = "completed", now
    if comm.direction == "outgoing" and comm.media in QUEUED_MEDIA:
        comm.delivery = "queued"
        session.flush()
        outbox.enqueue(session, [comm.id], now)  # type: ignore[list-item]  # flushed just above: the row has its id


def _snapshot(comm: Communication) -> dict[str, Any] | None:
    return audit.snapshot(comm, AUDITED)


def create_communication(
    ctx: ServiceContext,
    data: CommunicationInput | dict[str, Any],
    *,
    draft: bool = False,
    discard_autosave: str | None = None,
) -> Communication:
    """Create a Communication: ``draft=True`` is Save as Draft, otherwise Save (completes it;
    outgoing email/SMS is queued for delivery in the same transaction). ``discard_autosave``
    names the agent's autosaved form to delete in that transaction too."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit", action=ACTION)
    data = _parse(ctx, data)
    prepared = _prepare(ctx, data, complete=not draft)
    with transaction(ctx.engine) as session:
        if discard_autosave:
            discard_in(session, ctx, discard_autosave)
        values = _clean(ctx, session, data, complete=not draft, prepared=prepared)
        comm = Communication(**values, agent_id=ctx.actor.agent_id)
        session.add(comm)
        _save(ctx, session, comm, complete=not draft)
        if data.follow_up_of_id is not None and not draft:
            from commcentre_tui.services.inbound import handled_in

            handled_in(session, data.follow_up_of_id)  # answering it takes it off My Work
        session.flush()
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=ACTION,
            entity="communication",
            entity_id=comm.id,
            after=_snapshot(comm),
            detail="saved as draft" if draft else "saved",
        )
    return comm


def _editable(ctx: ServiceContext, session: Session, communication_id: int) -> Communication:
    """A draft the agent may edit: their own, or any as a supervisor (``comm_access``)."""
    comm = _visible(ctx, session, communication_id)
    refusal = edit_refusal(session, ctx.actor, comm)
    if refusal is not None:
        raise refusal
    return comm


def save_draft(
    ctx: ServiceContext,
    communication_id: int,
    data: CommunicationInput | dict[str, Any],
    *,
    expected_version: int | None = None,
    complete: bool = False,
    discard_autosave: str | None = None,
) -> Communication:
    """Save a reopened draft's edited fields: again as a draft, or with ``complete`` as Save
    (``discard_autosave`` as for :func:`create_communication`)."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit", action=ACTION)
    data = _parse(ctx, data)
    prepared = _prepare(ctx, data, complete=complete)
    with transaction(ctx.engine) as session:
        if discard_autosave:
            discard_in(session, ctx, discard_autosave)
        comm = _editable(ctx, session, communication_id)
        if data.contact_id != comm.contact_id:
            raise ValidationFailed("A communication cannot move to another customer.", "contact_id")
        before = _snapshot(comm)
        values = _clean(ctx, session, data, complete=complete, prepared=prepared)
        comm = update_versioned(
            session,
            Communication,
            comm.id,  # type: ignore[arg-type]  # a stored row: its id is set
            expected_version or comm.version,
            values,
            label="communication",
        )
        _save(ctx, session, comm, complete=complete)
        session.flush()
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action=ACTION,
            entity="communication",
            entity_id=comm.id,
            before=before,
            after=_snapshot(comm),
            detail="completed" if complete else "draft updated",
        )
    return comm


def complete_communication(
    ctx: ServiceContext,
    communication_id: int,
    data: CommunicationInput | dict[str, Any] | None = None,
    *,
    expected_version: int | None = None,
) -> Communication:
    """Save on a reopened draft: completes it (queues outgoing email/SMS), with edits if given."""
    if data is None:
        data = reopen_draft(ctx, communication_id)
        expected_version = expected_version or data.pop("version")
    return save_draft(ctx, communication_id, data, expected_version=expected_version, complete=True)


def reopen_draft(ctx: ServiceContext, communication_id: int) -> dict[str, Any]:
    """A draft's form values (plus its ``version`` for the later save)."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="view")
    with reading(ctx.engine) as session:
        comm = _editable(ctx, session, communication_id)
    values = comm.model_dump(include=set(CommunicationInput.model_fields))
    return {**values, "version": comm.version}


def follow_up_defaults(ctx: ServiceContext, communication_id: int) -> dict[str, Any]:
    """The pre-filled form of a Follow Up: same customer, category and related record; an
    outgoing call unless the original was written; ``Re:`` subject; linked to the original."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="view")
    with reading(ctx.engine) as session:
        original = _visible(ctx, session, communication_id)
    if original.state != "completed":
        raise RuleViolation("Save this communication (complete it) before following it up.")
    if original.contact_id is None:
        raise RuleViolation("Attach this communication to a customer before following it up.")
    subject = original.subject or f"{original.category} ({original.media})"
    media = original.media if original.media in ("email", "sms", "letter") else "phone"
    recipient = (
        original.recipient if original.direction == "outgoing" and media == original.media else ""
    )
    return {
        "contact_id": original.contact_id,
        "direction": "outgoing",
        "media": media,
        "category": original.category,
        "subject": subject if subject.startswith("Re: ") else f"Re: {subject}",
        "recipient": recipient,
        "related_type": original.related_type,
        "related_id": original.related_id,
        "follow_up_of_id": original.id,
        "visibility": original.visibility,
        "content": "",
        "shared_notes": "",
    }


def follow_up(
    ctx: ServiceContext,
    communication_id: int,
    *,
    shared_notes: str = "",
    draft: bool = True,
    discard_autosave: str | None = None,
    **changes: Any,
) -> Communication:
    """Follow Up: a new communication linked to ``communication_id`` (``follow_up_of_id``),
    pre-filled from it (:func:`follow_up_defaults`) with ``shared_notes`` and ``changes``.
    A draft by default (the agent completes it after the call); ``draft=False`` saves it."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit", action="Follow Up")
    data = {**follow_up_defaults(ctx, communication_id), "shared_notes": shared_notes, **changes}
    data["follow_up_of_id"] = communication_id
    return create_communication(ctx, data, draft=draft, discard_autosave=discard_autosave)


def retry_delivery(ctx: ServiceContext, communication_id: int) -> Communication:
    """Queue a failed email/SMS again (after "delivery uncertain", only once the agent checked)."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="edit", action=ACTION)
    q = outbox.T_QUEUE.c
    with transaction(ctx.engine) as session:
        comm = _visible(ctx, session, communication_id)
        if comm.delivery != "failed":
            raise RuleViolation("Only a communication whose delivery failed can be retried.")
        before = _snapshot(comm)
        now = utcnow()
        session.execute(
            outbox.T_QUEUE.update()
            .where(q.communication_id == comm.id)
            .values(
                status="queued",
                next_attempt_at=now,
                attempts=0,
                lease_until=None,
                worker=None,
                attempt_started_at=None,
                last_error=None,
            )
        )
        comm.delivery, comm.last_error, comm.attempts = "queued", None, 0
        session.add(comm)
        session.flush()
        audit.record(
            session,
            agent_id=ctx.actor.agent_id,
            action="Retry delivery",
            entity="communication",
            entity_id=comm.id,
            before=before,
            after=_snapshot(comm),
        )
    return comm


def _visible(ctx: ServiceContext, session: Session, communication_id: int) -> Communication:
    comm = session.get(Communication, communication_id)
    if comm is None or not _may_see(ctx, comm):
        raise NotFound("That communication does not exist or is not visible to you.")
    return comm


def _may_see(ctx: ServiceContext, comm: Communication) -> bool:
    return comm.visibility != "unit" or ctx.actor.is_supervisor or comm.unit == ctx.actor.unit


def get_communication(ctx: ServiceContext, communication_id: int) -> Communication:
    """One communication (with ``delivery``, ``attempts`` and ``last_error`` for the record)."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="view")
    with reading(ctx.engine) as session:
        return _visible(ctx, session, communication_id)


def list_communications(
    ctx: ServiceContext,
    contact_id: int,
    *,
    media: str | None = None,
    direction: str | None = None,
    category: str | None = None,
    state: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[Communication]:
    """A customer's communications, newest first. ``state``: draft, completed, queued, sent or
    failed (the last three are delivery states). ``before_id`` pages on from a row."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="view")
    c = Communication
    stmt = select(c).where(col(c.contact_id) == contact_id)
    if media:
        stmt = stmt.where(col(c.media) == media)
    if direction:
        stmt = stmt.where(col(c.direction) == direction)
    if category:
        stmt = stmt.where(col(c.category) == category)
    if state:
        if state not in STATES:
            raise ValidationFailed(f"The state filter is one of {', '.join(STATES)}.", "state")
        stmt = (
            stmt.where(col(c.state) == state)
            if state in ("draft", "completed")
            else stmt.where(col(c.delivery) == state)
        )
    if not ctx.actor.is_supervisor:
        stmt = stmt.where((col(c.visibility) != "unit") | (col(c.unit) == ctx.actor.unit))
    with reading(ctx.engine) as session:
        if before_id is not None:
            anchor = session.get(c, before_id)
            if anchor is not None:
                stmt = stmt.where(
                    (col(c.created_at) < anchor.created_at)
                    | ((col(c.created_at) == anchor.created_at) & (col(c.id) < anchor.id))
                )
        stmt = stmt.order_by(col(c.created_at).desc(), col(c.id).desc()).limit(limit)
        return list(session.execute(stmt).scalars())
