"""Roles: an access level per entity and the actions a role may run, with sensible defaults.

Pure data and pydantic models; the repository's permission check reads these.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from commcentre_tui.catalog import ACCESS_LEVELS, ALL_ACTIONS, ENTITIES

Level = Literal["none", "select", "view", "edit"]

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
            if name != "*" and name not in ALL_ACTIONS:
                raise ValueError(f"unknown action {name!r}")
        return value

    def level(self, entity: str) -> str:
        """The access level for ``entity``."""
        return self.entities.get(entity, self.default_level)

    def allows(self, action: str) -> bool:
        """Whether this role may run ``action``."""
        return "*" in self.actions or action in self.actions

_FINANCE_ACTIONS = [
    "Create new Account",
    "Cancel eVoucher",
    "Purchase eVoucher",
    "Retrieve Voucher Secret Number",
    "Pay a Bill",
    "Post an Invoice",
    "Post a Payment",
    "Use Voucher",
    "Use Wallet to Purchase Electronic Voucher",
    "Bill Subscriber",
    "Communicate Bill",
]
_CARE_ACTIONS = [
    a
    for a in ALL_ACTIONS
    if a not in _FINANCE_ACTIONS
    and a not in ("Become Subscriber", "Manage Subscription", "Add Services", "Remove Services")
]

DEFAULT_ROLES: dict[str, RoleSettings] = {
    "agent": RoleSettings(
        description="Front-line agent: customer care, communications, taking payments",
        default_level="edit",
        entities={"audit": "none", "agent": "select", "template": "view", "product": "view"},
        actions=[*_CARE_ACTIONS, "Pay a Bill", "Post a Payment", "Become Subscriber",
                 "Manage Subscription", "Add Services", "Remove Services", "Communicate Bill",
                 "Create new Account", "Purchase eVoucher", "Use Voucher",
                 "Use Wallet to Purchase Electronic Voucher"],
    ),
    "finance": RoleSettings(
        description="Finance: accounts, invoices, payments, vouchers",
        default_level="view",
        entities={e: "edit" for e in ("account", "invoice", "payment", "bill", "credit",
                                      "wallet", "voucher", "communication")} | {"audit": "none"},
        actions=[*_FINANCE_ACTIONS, "Create a Communication", "Log Person Information",
                 "Log Company Information", "Add More Information"],
        see_secrets=True,
    ),
    "supervisor": RoleSettings(
        description="Supervisor: everything agents do, plus audit and unit-only records",
        default_level="edit",
        actions=["*"],
        see_secrets=True,
        supervisor=True,
        export=True,
    ),
    "admin": RoleSettings(
        description="Administrator: everything",
        default_level="edit",
        actions=["*"],
        see_secrets=True,
        supervisor=True,
        export=True,
    ),
}

assert all(level in ACCESS_LEVELS for r in DEFAULT_ROLES.values() for level in r.entities.values())
