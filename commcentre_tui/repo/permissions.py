"""The one permission check: every repository write and sensitive read calls :func:`check`."""

from __future__ import annotations

from dataclasses import dataclass, field

from commcentre_tui.catalog import ACCESS_LEVELS
from commcentre_tui.errors import NotAllowed
from commcentre_tui.roles import DEFAULT_ROLES, RoleSettings


@dataclass(frozen=True)
class Actor:
    """Who is acting: the logged-in agent and their role's grants."""

    agent_id: int | None
    username: str
    role_name: str = "admin"
    role: RoleSettings = field(default_factory=lambda: DEFAULT_ROLES["admin"])
    display_name: str = ""
    unit: str | None = None
    extension: str | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.role.supervisor

    def may(self, *, entity: str | None = None, level: str = "view", action: str | None = None) -> bool:
        """Whether this actor has ``level`` on ``entity`` and may run ``action``."""
        if entity is not None:
            have = ACCESS_LEVELS.index(self.role.level(entity))
            if have < ACCESS_LEVELS.index(level):
                return False
        return action is None or self.role.allows(action)


#: The actor used by maintenance commands (seeding, migrations) that act as the system.
SYSTEM = Actor(agent_id=None, username="system")


def check(actor: Actor, *, entity: str | None = None, level: str = "view", action: str | None = None) -> None:
    """Raise :class:`NotAllowed` with one sentence unless ``actor`` may do this."""
    if actor.may(entity=entity, level=level, action=action):
        return
    if action is not None and not actor.role.allows(action):
        raise NotAllowed(f"Your role ({actor.role_name}) may not run “{action}”.")
    raise NotAllowed(
        f"Your role ({actor.role_name}) has {actor.role.level(entity or '')} access to {entity} records; "
        f"this needs {level}."
    )
