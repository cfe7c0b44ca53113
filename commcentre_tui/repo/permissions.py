"""The one permission check: every repository write and sensitive read calls :func:`check`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from commcentre_tui.catalog import ACCESS_LEVELS
from commcentre_tui.errors import NotAllowed
from commcentre_tui.roles import ADMIN_ROLE, RoleSettings

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True)
class Actor:
    """Who is acting: the logged-in agent and their role's grants."""

    agent_id: int | None
    username: str
    role_name: str = "admin"
    role: RoleSettings = field(default_factory=lambda: ADMIN_ROLE)
    display_name: str = ""
    unit: str | None = None
    extension: str | None = None
    time_zone: str | None = None
    """The IANA zone the agent reads times in (``None``: the server's)."""

    @property
    def is_supervisor(self) -> bool:
        return self.role.supervisor

    def may(
        self, *, entity: str | None = None, level: str = "view", action: str | None = None
    ) -> bool:
        """Whether this actor has ``level`` on ``entity`` and may run ``action``."""
        if entity is not None:
            have = ACCESS_LEVELS.index(self.role.level(entity))
            if have < ACCESS_LEVELS.index(level):
                return False
        return action is None or self.role.allows(action)


#: The actor used by maintenance commands (seeding, migrations) that act as the system.
SYSTEM = Actor(agent_id=None, username="system")


def check(
    actor: Actor, *, entity: str | None = None, level: str = "view", action: str | None = None
) -> None:
    """Raise :class:`NotAllowed` with one sentence unless ``actor`` may do this."""
    if actor.may(entity=entity, level=level, action=action):
        return
    if action is not None and not actor.role.allows(action):
        raise NotAllowed(f"Your role ({actor.role_name}) may not run “{action}”.")
    raise NotAllowed(
        f"Your role ({actor.role_name}) has {actor.role.level(entity or '')} access to {entity} records; "
        f"this needs {level}."
    )


#: The audit action recorded when :func:`enforce` refuses.
REFUSAL_ACTION = "permission refusal"


def enforce(
    engine: Engine,
    actor: Actor,
    *,
    entity: str | None = None,
    level: str = "view",
    action: str | None = None,
    entity_id: int | None = None,
) -> None:
    """:func:`check`, and on refusal record a "permission refusal" audit entry before raising.

    The entry is written in its own transaction (the refused change never starts), so call this
    before opening the transaction that would make the change.
    """
    try:
        check(actor, entity=entity, level=level, action=action)
    except NotAllowed as exc:
        from commcentre_tui.repo.audit import record
        from commcentre_tui.repo.db import transaction

        with transaction(engine) as session:
            record(
                session,
                agent_id=actor.agent_id,
                action=REFUSAL_ACTION,
                entity=entity or "action",
                entity_id=entity_id,
                after={"level": level, "action": action} if action else {"level": level},
                detail=f"{actor.username}: {exc}",
            )
        raise
