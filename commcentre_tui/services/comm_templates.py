"""Templates in the communication form: the list, rendering one for a customer, the live
preview, the recipient field's defaults, and the SMS count."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from commcentre_tui.comms.context import ContactInfo, load_one
from commcentre_tui.comms.sms import SmsCount, sms_count
from commcentre_tui.comms.templates import pick_version, render, template_versions
from commcentre_tui.errors import NotFound
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
    stmt = select(Template).where(Template.active.is_(True)).order_by(Template.name, Template.language)
    if media:
        stmt = stmt.where(Template.media == media)
    with reading(ctx.engine) as session:
        return list(session.execute(stmt).scalars())


def render_template_for(
    ctx: ServiceContext, template_id: int, contact_id: int, related_type: str | None = None,
    related_id: int | None = None,
) -> RenderedTemplate:
    """Choose a template: render it for the customer (their language's version of it, else
    English) into the subject and content fields. A missing value raises ``TemplateError``."""
    enforce(ctx.engine, ctx.actor, entity="template", level="select")
    with reading(ctx.engine) as session:
        chosen = session.get(Template, template_id)
        if chosen is None:
            raise NotFound("That template no longer exists.")
        info, context = load_one(session, contact_id, related_type, related_id,
                                 agent_id=ctx.actor.agent_id, today=utcnow().date())
        template = pick_version(template_versions(session, chosen.name), info.language) or chosen
    return RenderedTemplate(template.id or template_id, template.name, template.media, template.language,
                            render(template.subject, context, field="subject"),
                            render(template.body, context, field="content"))


def preview(
    ctx: ServiceContext, contact_id: int, *, subject: str = "", content: str = "",
    related_type: str | None = None, related_id: int | None = None,
) -> tuple[str, str]:
    """The live preview: ``subject`` and ``content`` with their tags rendered for the customer."""
    enforce(ctx.engine, ctx.actor, entity="communication", level="view")
    with reading(ctx.engine) as session:
        _info, context = load_one(session, contact_id, related_type, related_id,
                                  agent_id=ctx.actor.agent_id, today=utcnow().date())
    return render(subject, context, field="subject"), render(content, context, field="content")


def contact_recipients(ctx: ServiceContext, contact_id: int) -> ContactInfo:
    """The customer's primary email/phone, language and opt-outs (for the recipient field)."""
    enforce(ctx.engine, ctx.actor, entity="contact", level="view")
    with reading(ctx.engine) as session:
        return load_one(session, contact_id, today=utcnow().date())[0]


def sms_info(ctx: ServiceContext, text: str) -> SmsCount:
    """The live SMS count under the content field (characters, limit, segments)."""
    return sms_count(text, ctx.settings.sms.max_length)
