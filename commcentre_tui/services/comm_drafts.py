"""Autosaved form drafts: an agent's unsaved communication survives a crash or a closed
terminal and is offered back on the next start (one per agent and form)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from commcentre_tui.errors import NotAllowed
from commcentre_tui.models import FormDraft
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.services.context import ServiceContext


def _agent_id(ctx: ServiceContext) -> int:
    if ctx.actor.agent_id is None:
        raise NotAllowed("Autosave needs a signed-in agent.")
    return ctx.actor.agent_id


def save_form_draft(
    ctx: ServiceContext, form: str, payload: dict[str, Any], *, contact_id: int | None = None
) -> None:
    """Autosave the agent's unsaved ``form`` (one per agent and form; replaces the last one)."""
    agent_id = _agent_id(ctx)
    with transaction(ctx.engine) as session:
        row = session.execute(
            select(FormDraft).where(
                col(FormDraft.agent_id) == agent_id, col(FormDraft.form) == form
            )
        ).scalar_one_or_none()
        if row is None:
            row = FormDraft(agent_id=agent_id, form=form)
        row.payload, row.contact_id, row.updated_at = dict(payload), contact_id, utcnow()
        session.add(row)


def load_form_draft(ctx: ServiceContext, form: str) -> FormDraft | None:
    """The autosaved ``form`` to offer back on start, if any."""
    agent_id = _agent_id(ctx)
    with reading(ctx.engine) as session:
        return session.execute(
            select(FormDraft).where(
                col(FormDraft.agent_id) == agent_id, col(FormDraft.form) == form
            )
        ).scalar_one_or_none()


def discard_form_draft(ctx: ServiceContext, form: str) -> None:
    """Forget the autosaved ``form`` (when the agent declines it or cancels the form)."""
    with transaction(ctx.engine) as session:
        discard_in(session, ctx, form)


def discard_in(session: Session, ctx: ServiceContext, form: str) -> None:
    """Forget the autosaved ``form`` inside the caller's transaction (a Save deletes the copy
    together with what it saves, so a crash can never leave both)."""
    agent_id = _agent_id(ctx)
    session.execute(
        delete(FormDraft).where(col(FormDraft.agent_id) == agent_id, col(FormDraft.form) == form)
    )
