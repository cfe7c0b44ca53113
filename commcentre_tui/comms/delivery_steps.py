"""One queued entry's steps in the delivery worker (:mod:`.worker`): render a communication
queued with a template but no text yet, and send one message over its channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from commcentre_tui.comms.channels import Channel, DeliveryError, OutgoingMessage
from commcentre_tui.comms.outbox import Job, Outbox, Outcome
from commcentre_tui.config import Settings
from commcentre_tui.errors import CommCentreError
from commcentre_tui.repo.db import reading


def render_job(
    engine: Engine, settings: Settings, job: Job, clock: Callable[[], datetime]
) -> tuple[str, str] | None:
    """Subject and content for a communication queued with a template but no text yet,
    rendered outside any write transaction within the template budget (``comms.sandbox``):
    a template over it fails the entry with that sentence."""
    if job.content or job.template_id is None:
        return None
    from commcentre_tui.comms.context_single import load_one
    from commcentre_tui.comms.templates import Limits, render
    from commcentre_tui.models import Template

    with reading(engine) as session:
        template = session.get(Template, job.template_id)
        if template is None:
            raise CommCentreError("Its template no longer exists.")
        _info, context = load_one(
            session,
            job.contact_id,
            job.related_type,
            job.related_id,
            agent_id=job.agent_id,
            today=clock().date(),
        )
    limits = Limits.from_settings(settings)
    return (
        render(template.subject, context, field="subject", limits=limits),
        render(template.body, context, limits=limits),
    )


async def deliver_job(outbox: Outbox, job: Job, channels: dict[str, Channel]) -> Outcome:
    """Send ``job`` over its media's channel; the outcome to settle (a permanent failure when
    delivery is uncertain: it is never sent again without an agent's Retry)."""
    channel = channels.get(job.media)
    if channel is None:
        return outbox.outcome(job, f"There is no delivery channel for {job.media}.", permanent=True)
    message = OutgoingMessage(
        job.communication_id,
        job.media,
        job.recipient,
        job.subject,
        job.content,
        job.message_id or "",
    )
    try:
        await channel.send(message)
    except DeliveryError as exc:
        if exc.uncertain:
            return outbox.outcome(
                job,
                f"Delivery uncertain: {exc} It was not sent again; check, then use Retry.",
                permanent=True,
            )
        return outbox.outcome(job, str(exc), permanent=exc.permanent)
    return outbox.outcome(job, None)
