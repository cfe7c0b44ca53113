"""Who may complete a draft communication.

A draft is its author's work in progress: the agent who saved it (Save as Draft) completes it,
or a supervisor (a role with ``supervisor = true``) does it for them; either needs ``edit``
access to communications and the "Create a Communication" action. Everyone else who may see it
reads it. A completed communication is never edited again (Follow Up adds to it).
"""

from __future__ import annotations

from sqlmodel import Session

from commcentre_tui.errors import CommCentreError, NotAllowed, RuleViolation
from commcentre_tui.models import Agent, Communication
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.visibility import is_visible
from commcentre_tui.services.context import ServiceContext

ACTION = "Create a Communication"
COMPLETED = "This communication is already completed; use Follow Up to add to it."


def edit_refusal(session: Session, actor: Actor, comm: Communication) -> CommCentreError | None:
    """Why ``actor`` may not edit ``comm`` as a draft (``None``: they may)."""
    if comm.state != "draft":
        return RuleViolation(COMPLETED)
    if comm.agent_id is not None and comm.agent_id != actor.agent_id and not actor.is_supervisor:
        author = session.get(Agent, comm.agent_id)
        name = (author.display_name or author.username) if author is not None else "another agent"
        return NotAllowed(f"This draft is {name}'s: only they or a supervisor can complete it.")
    return None


def draft_access(ctx: ServiceContext, communication_id: int) -> tuple[bool, str]:
    """Whether the agent may open ``communication_id`` as an editable draft, and if not, why:
    ``(True, "")``; ``(False, "")`` for a completed one (it is simply read); ``(False, sentence)``
    for a draft they may only read (another agent's, or a role without edit access)."""
    with reading(ctx.engine) as session:
        comm = session.get(Communication, communication_id)
        if comm is None or not is_visible(comm, ctx.actor):
            return False, "That communication does not exist or is not visible to you."
        if comm.state != "draft":
            return False, ""
        if not ctx.actor.may(entity="communication", level="edit", action=ACTION):
            return (
                False,
                f"Your role ({ctx.actor.role_name}) may read this draft but not complete it.",
            )
        refusal = edit_refusal(session, ctx.actor, comm)
    return refusal is None, "" if refusal is None else str(refusal)
