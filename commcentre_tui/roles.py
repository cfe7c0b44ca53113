"""Roles: an access level per entity and the actions a role may run, with sensible defaults.

Pure data and pydantic models; the repository's permission check reads these. The action names
and the default grants come from the action registry (:mod:`commcentre_tui.actions.registry`),
imported when first needed: the actions import the services, which import the config.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from commcentre_tui.catalog import ACCESS_LEVELS, ENTITIES

Level = Literal["none", "select", "view", "edit"]


def known_actions() -> tuple[str, ...]:
    """Every action name ``[actions] enabled`` and ``[roles]`` accept, in panel order."""
    from commcentre_tui.actions.registry import ALL_ACTIONS

    return ALL_ACTIONS


class RoleSettings(BaseModel):
    """One role: ``entities`` maps entity → level (missing = ``default_level``);
    ``actions`` lists allowed action names (``["*"]`` = all)."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    default_level: Level = "view"
    entities: dict[str, Level] = Field(default_factory=dict)
    actions: list[str] = Field(default_factory=lambda: ["*"])
    see_secrets: bool = False
    """May read voucher secret numbers."""
    supervisor: bool = False
    """Sees unit-only records of every unit, browses the audit trail."""
    export: bool = False
    """May export search results to a file ("Export results" in the palette; audited)."""

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, value: dict[str, Level]) -> dict[str, Level]:
        for name in value:
            if name not in ENTITIES:
                raise ValueError(f"unknown entity {name!r}; known: {', '.join(ENTITIES)}")
        return value

    @field_validator("actions")
    @classmethod
    def _known_actions(cls, value: list[str]) -> list[str]:
        for name in value:
            if name != "*" and name not in known_actions():
                raise ValueError(f"unknown action {name!r}")
        return value

    def level(self, entity: str) -> str:
        """The access level for ``entity``."""
        return self.entities.get(entity, self.default_level)

    def allows(self, action: str) -> bool:
        """Whether this role may run ``action``."""
        return "*" in self.actions or action in self.actions


#: Supervisor and admin may run every action, so they need no action list.
SUPERVISOR_ROLE = RoleSettings(
    description="Supervisor: everything agents do, plus audit and unit-only records",
    default_level="edit",
    actions=["*"],
    see_secrets=True,
    supervisor=True,
    export=True,
)
ADMIN_ROLE = RoleSettings(
    description="Administrator: everything",
    default_level="edit",
    actions=["*"],
    see_secrets=True,
    supervisor=True,
    export=True,
)


@cache
def default_roles() -> dict[str, RoleSettings]:
    """The roles an absent ``[roles]`` section gives: agent, finance, supervisor, admin.

    Which actions agents and finance may run is declared on each action (``ActionSpec.roles``).
    """
    from commcentre_tui.actions.registry import default_actions_of

    roles = {
        "agent": RoleSettings(
            description="Front-line agent: customer care, communications, taking payments",
            default_level="edit",
            entities={"audit": "none", "agent": "select", "template": "view", "product": "view"},
            actions=default_actions_of("agent"),
        ),
        "finance": RoleSettings(
            description="Finance: accounts, invoices, payments, vouchers",
            default_level="view",
            entities={
                e: "edit"
                for e in (
                    "account",
                    "invoice",
                    "payment",
                    "bill",
                    "credit",
                    "wallet",
                    "voucher",
                    "communication",
                )
            }
            | {"audit": "none"},
            actions=default_actions_of("finance"),
            see_secrets=True,
        ),
        "supervisor": SUPERVISOR_ROLE,
        "admin": ADMIN_ROLE,
    }
    assert all(level in ACCESS_LEVELS for r in roles.values() for level in r.entities.values())
    return roles
