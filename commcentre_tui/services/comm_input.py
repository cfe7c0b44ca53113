"""The Create a Communication form's input: its fields, validation and the sending rules at Save."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict
from sqlmodel import Session

from commcentre_tui.catalog import DIRECTIONS, MEDIA
from commcentre_tui.comms.context_single import load_one, related_record
from commcentre_tui.comms.rules import check_outgoing
from commcentre_tui.comms.templates import Limits
from commcentre_tui.errors import CommCentreError, NotFound, ValidationFailed
from commcentre_tui.models import Communication, Contact
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.validation import StorableText, parse_input

QUEUED_MEDIA = ("email", "sms")


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
