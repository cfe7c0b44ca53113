"""Which actions the Action Panel offers: config's Allowed Actions, the seed's no-customer rule,
and the agent's role."""

from __future__ import annotations

from dataclasses import dataclass

from commcentre_tui.catalog import ACTION_GROUPS, NO_CUSTOMER_ACTIONS
from commcentre_tui.config import Settings
from commcentre_tui.repo.permissions import Actor


@dataclass(frozen=True)
class OfferedAction:
    """An action as the panel lists it."""

    group: str
    name: str


def offered_actions(settings: Settings, actor: Actor, *, customer_loaded: bool) -> list[OfferedAction]:
    """The actions to offer, in panel order.

    Only actions enabled in ``[actions] enabled``; with no customer loaded only the seed's four
    (Log Person/Company Information, Create new Account, Retrieve Voucher Secret Number); never
    an action the agent's role may not run.
    """
    enabled = set(settings.actions.enabled)
    offered: list[OfferedAction] = []
    for group, names in ACTION_GROUPS.items():
        for name in names:
            if name not in enabled or not actor.role.allows(name):
                continue
            if not customer_loaded and name not in NO_CUSTOMER_ACTIONS:
                continue
            offered.append(OfferedAction(group, name))
    return offered
