"""Templates in the communication form: the list, rendering one for a customer, the live
preview, the recipient field's defaults, and the SMS count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from commcentre_tui.comms.context import ContactInfo
from commcentre_tui.comms.context_single import load_one
from commcentre_tui.comms.sms import SmsCount, sms_count
from commcentre_tui.comms.templates import Limits, pick_version, render, template_versions
from commcentre_tui.errors import NotFound, ValidationFailed
from commcentre_tui.models import Template
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext


@dataclass(frozen=True)
class RenderedTemplate:
    """A template rendered for a customer, ready to drop into the form's fields."""

    template_id: int
    name: str
    media: str
    language: str
    subject: str
    content: str


def list_templates(ctx: ServiceContext, media: str | None = None) -> list[Template]:
    """Active templates (every language version), by name then language."""
    enforce(ctx.engine, ctx.actor, entity="template", level="select")
    stmt = (
        select(Template)
        .where(col(Template.active).is_(True))
        .order_by(col(Template.name), col(Template.language))
    )
    if media:
        stmt = stmt.where(col(Template.media) == media)
    with reading(ctx.engine) as session:
        return list(session.execute(stmt).scalars())


def render_template_for(
    ctx: ServiceContext,
    template_id: int,
    contact_id: int,
    related_type: str | None = None,
    related_id: int | None = None,
) -> RenderedTemplate:
    """Choose a template: render it for the customer (their language's version of it, else
    English) into the subject and content fields. A missing value raises ``TemplateError``."""
    enforce(ctx.engine, ctx.actor, entity="template", level="select")
    with reading(ctx.engine) as session:
        chosen = session.get(Template, template_id)
        if chosen is None:
            raise NotFound("That template no longer exists.")
        if related_type is None:  # the record the template is about, as a bulk send picks it
            related_type, related_id = _about_record(session, chosen, contact_id)
        info, context = load_one(
            session,
            contact_id,
            related_type,
            related_id,
            agent_id=ctx.actor.agent_id,
            today=utcnow().date(),
        )
        template = pick_version(template_versions(session, chosen.name), info.language) or chosen
    limits = Limits.from_settings(ctx.settings)
    return RenderedTemplate(
        template.id or template_id,
        template.name,
        template.media,
        template.language,
        render(template.subject, context, field="subject", limits=limits),
        render(template.body, context, field="content", limits=limits),
    )


def _about_record(
    session: Session, template: Template, contact_id: int
) -> tuple[str | None, int | None]:
    """The record ``template`` is about for this customer (the same rule as "Notify these
    results": :func:`commcentre_tui.comms.targets.record_keys`); ``ValidationFailed`` beside the
    template field when the customer has none (an overdue reminder for someone who owes nothing)."""
    from commcentre_tui.comms.targets import MISSING, check_about, record_keys

    about = check_about(getattr(template, "about", "") or "")
    if about == "customer":
        return None, None
    keys, missing = record_keys(session, about, [contact_id], today=utcnow().date())
    if missing or not keys:
        raise ValidationFailed(
            f"This customer has {MISSING[about]}: the template {template.name!r} is about their "
            f"{about}.",
            "template",
        )
    key = keys[0]
    if about == "newest subscription":
        return "subscription", key.subscription_id
    return "bill", key.bill_id


def preview(
    ctx: ServiceContext,
    contact_id: int,
    *,
    subject: str = "",
    content: str = "",
    related_type: str | None = None,
    related_id: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[str, str]:
    """The live preview: ``subject`` and ``content`` with their tags rendered for the customer,
    within the template budget; ``cancelled`` (checked while rendering) stops it early."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="view")
    limit = ctx.settings.communications.max_content_chars
    if len(content) > limit:  # as Save would refuse it: no render of a huge paste
        raise ValidationFailed(
            f"The content is {len(content):,} characters long; the limit is {limit:,}.", "content"
        )
    with reading(ctx.engine) as session:
        _info, context = load_one(
            session,
            contact_id,
            related_type,
            related_id,
            agent_id=ctx.actor.agent_id,
            today=utcnow().date(),
        )
    limits = Limits.from_settings(ctx.settings)
    return (
        render(subject, context, field="subject", limits=limits, cancelled=cancelled),
        render(content, context, field="content", limits=limits, cancelled=cancelled),
    )


def contact_recipients(ctx: ServiceContext, contact_id: int) -> ContactInfo:
    """The customer's primary email/phone, language and opt-outs (for the recipient field)."""
    enforce(ctx.engine, ctx.actor, entity="contact", level="view")
    with reading(ctx.engine) as session:
        return load_one(session, contact_id, today=utcnow().date())[0]


def sms_info(ctx: ServiceContext, text: str) -> SmsCount:
    """The live SMS count under the content field (characters, limit, segments)."""
    return sms_count(text, ctx.settings.sms.max_length)
