"""Which actions the Action Panel and the palette offer: config's Allowed Actions, the seed's
no-customer rule, the agent's role, then the status changes and later steps."""

from __future__ import annotations

from dataclasses import dataclass

from commcentre_tui.actions.registry import (
    ACTION_GROUPS,
    ACTION_STEPS,
    NO_CUSTOMER_ACTIONS,
    STATUS_ACTIONS,
)
from commcentre_tui.config import Settings
from commcentre_tui.repo.permissions import Actor


@dataclass(frozen=True)
class OfferedAction:
    """An action as the panel lists it."""

    group: str
    name: str
    keywords: str = ""
    """More words the panel's filter matches (e.g. "complete" for Update Job Status)."""


def offered_actions(
    settings: Settings, actor: Actor, *, customer_loaded: bool
) -> list[OfferedAction]:
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


def with_status_actions(
    offered: list[OfferedAction], actor: Actor, *, customer_loaded: bool
) -> list[OfferedAction]:
    """``offered`` plus the status changes (:data:`~commcentre_tui.actions.registry.STATUS_ACTIONS`).

    Each follows the seed action that creates its record (and is offered only when that one
    is); those without one go at the end of their group. All need a customer loaded and
    ``edit`` on their entity.
    """
    if not customer_loaded:
        return list(offered)
    names = {a.name for a in offered}
    extra = {
        name: s
        for name, s in STATUS_ACTIONS.items()
        if (s.after is None or s.after in names) and actor.may(entity=s.entity, level="edit")
    }
    result: list[OfferedAction] = []
    for index, action in enumerate(offered):
        result.append(action)
        result += [
            OfferedAction(s.group, n, s.keywords)
            for n, s in extra.items()
            if s.after == action.name
        ]
        last_of_group = index + 1 == len(offered) or offered[index + 1].group != action.group
        if last_of_group:
            result += [
                OfferedAction(s.group, n, s.keywords)
                for n, s in extra.items()
                if s.after is None and s.group == action.group
            ]
    groups = {a.group for a in offered}
    result += [
        OfferedAction(s.group, n, s.keywords)
        for n, s in extra.items()
        if s.after is None and s.group not in groups
    ]
    return result


def with_steps(offered: list[OfferedAction], *, customer_loaded: bool) -> list[OfferedAction]:
    """``offered`` with each action's later steps (:data:`~commcentre_tui.actions.registry.ACTION_STEPS`,
    e.g. Complete Draft after Create a Communication) right after it, while a customer is loaded."""
    if not customer_loaded:
        return offered
    result: list[OfferedAction] = []
    for action in offered:
        result.append(action)
        result += [
            OfferedAction(action.group, name)
            for name, after in ACTION_STEPS.items()
            if after == action.name
        ]
    return result


def offered_all(settings: Settings, actor: Actor, *, customer_loaded: bool) -> list[OfferedAction]:
    """Everything the panel offers: :func:`offered_actions`, the status actions, the steps."""
    offered = offered_actions(settings, actor, customer_loaded=customer_loaded)
    offered = with_status_actions(offered, actor, customer_loaded=customer_loaded)
    return with_steps(offered, customer_loaded=customer_loaded)


def status_action_for(entity: str, status: str | None = None) -> str | None:
    """The status action for a record of ``entity`` (a case: Close or Reopen by its status)."""
    if entity == "case":
        return "Reopen a Case" if status == "closed" else "Close a Case"
    if entity.startswith("reward_"):
        return "Cancel Reward Transaction"
    return next((n for n, s in STATUS_ACTIONS.items() if s.entity == entity), None)
