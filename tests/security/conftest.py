"""Fixtures of the security tests: agents of each role, and helpers to wait on conditions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui.config import Settings
from commcentre_tui.models import Agent, AuditEntry
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import Actor


def add_agent(
    engine: Engine,
    settings: Settings,
    username: str,
    *,
    role: str = "agent",
    unit: str | None = "Care",
    active: bool = True,
    display_name: str | None = None,
) -> Actor:
    """Insert an agent directly (no permission check) and return its actor."""
    with transaction(engine) as session:
        agent = Agent(
            username=username,
            display_name=display_name or username.title(),
            role=role,
            unit=unit,
            active=active,
        )
        session.add(agent)
        session.flush()
        agent_id = agent.id
    return Actor(
        agent_id=agent_id,
        username=username,
        role_name=role,
        role=settings.roles[role],
        display_name=display_name or username.title(),
        unit=unit,
    )


def audit_rows(engine: Engine, action: str | None = None) -> list[AuditEntry]:
    """Audit entries, oldest first (optionally one action only)."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    with reading(engine) as session:
        return list(session.execute(query).scalars())


def audit_count(engine: Engine) -> int:
    with reading(engine) as session:
        return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


@pytest.fixture
def actors(engine: Engine, settings: Settings) -> Callable[[str], Actor]:
    """``actors(role)``: an agent with that role (created once per role), unit Care."""
    made: dict[str, Actor] = {}

    def get(role: str) -> Actor:
        if role not in made:
            made[role] = add_agent(engine, settings, f"{role}1", role=role)
        return made[role]

    return get
