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

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from commcentre_tui.comms import outbox
from commcentre_tui.errors import NotFound, RuleViolation, ValidationFailed
from commcentre_tui.models import Communication
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.outbox_writes import T_QUEUE
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.comm_access import draft_access, edit_refusal
from commcentre_tui.services.comm_bulk import bulk_notify, notify_results
from commcentre_tui.services.comm_drafts import (
    discard_form_draft,
    discard_in,
    load_form_draft,
    save_form_draft,
)
from commcentre_tui.services.comm_input import (
    QUEUED_MEDIA,
    CommunicationInput,
    _clean,
    _parse,
    _prepare,
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
    q = T_QUEUE.c
    with transaction(ctx.engine) as session:
        comm = _visible(ctx, session, communication_id)
        if comm.delivery != "failed":
            raise RuleViolation("Only a communication whose delivery failed can be retried.")
        before = _snapshot(comm)
        now = utcnow()
        session.execute(
            T_QUEUE.update()
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
