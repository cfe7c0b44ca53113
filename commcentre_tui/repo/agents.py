"""Agents: looking up who is acting."""

from __future__ import annotations

from sqlalchemy import Engine, select

from commcentre_tui.config import Settings
from commcentre_tui.errors import NotAllowed
from commcentre_tui.models import Agent
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor


def actor_for(engine: Engine, settings: Settings, username: str) -> Actor:
    """The :class:`Actor` for an active agent called ``username``, or a one-sentence refusal."""
    with reading(engine) as session:
        agent = session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none()
    if agent is None:
        raise NotAllowed(
            f"No agent is called {username!r}; pass --agent NAME or set COMMCENTRE_AGENT "
            "(`commcentre agents list` shows who exists)."
        )
    if not agent.active:
        raise NotAllowed(f"The agent {username!r} is disabled.")
    role = settings.roles.get(agent.role)
    if role is None:
        raise NotAllowed(f"The agent {username!r} has the role {agent.role!r}, which config does not define.")
    return Actor(
        agent_id=agent.id, username=agent.username, role_name=agent.role, role=role,
        display_name=agent.display_name, unit=agent.unit, extension=agent.extension,
    )
