"""Every action, once, in Action Panel order: the list the panel, the palette, the catalog's
groups, ``[actions] enabled`` and role validation all derive from.

Adding an action: declare its :class:`~commcentre_tui.actions.spec.ActionSpec` in its group's
module and add it here (docs/DEVELOPING.md, "How to add an action").
"""

from __future__ import annotations

from typing import Final

from commcentre_tui.actions import billing, care, care_status, crm, finance, vouchers
from commcentre_tui.actions.spec import ActionSpec

#: Every action in panel order; status and step actions are placed after the action they follow.
ACTIONS: Final[tuple[ActionSpec, ...]] = (
    # CRM
    crm.LOG_COMPANY,
    crm.LOG_PERSON,
    crm.CREATE_COMMUNICATION,
    care.PLAN_JOB,
    care.RAISE_SERVICE_REQUEST,
    care.SCHEDULE_ACTIVITY,
    care.TAKE_LEAD,
    care.OPEN_CASE,
    care.ADD_FOLLOW_UP,
    care.CREATE_TASK,
    crm.ADD_MORE_INFORMATION,
    crm.FOLLOW_UP,
    crm.COMPLETE_DRAFT,
    care_status.UPDATE_JOB_STATUS,
    care_status.UPDATE_SERVICE_REQUEST_STATUS,
    care_status.UPDATE_ACTIVITY_STATUS,
    care_status.UPDATE_LEAD_STATUS,
    care_status.CLOSE_CASE,
    care_status.REOPEN_CASE,
    care_status.UPDATE_TASK_STATUS,
    # Billing & Subscription
    billing.BECOME_SUBSCRIBER,
    billing.MANAGE_SUBSCRIPTION,
    billing.ADD_SERVICES,
    billing.REMOVE_SERVICES,
    billing.BILL_SUBSCRIBER,
    billing.COMMUNICATE_BILL,
    # Finance
    finance.CREATE_ACCOUNT,
    vouchers.CANCEL_EVOUCHER,
    vouchers.PURCHASE_EVOUCHER,
    vouchers.RETRIEVE_SECRET,
    finance.PAY_BILL,
    finance.POST_INVOICE,
    finance.POST_PAYMENT,
    finance.TRANSFER_BALANCE,
    vouchers.USE_VOUCHER,
    vouchers.USE_WALLET_TO_PURCHASE,
    finance.CANCEL_REWARD_TRANSACTION,
)

#: Action name → its spec.
BY_NAME: Final[dict[str, ActionSpec]] = {spec.name: spec for spec in ACTIONS}
assert len(BY_NAME) == len(ACTIONS), "two actions share a name"

#: The actions with an ``[actions] enabled`` entry and a role grant (the seed's, plus ours), in
#: panel order.
SEED_ACTIONS: Final[tuple[ActionSpec, ...]] = tuple(s for s in ACTIONS if s.kind == "seed")

#: The Action Panel's groups and their actions, in the seed's order and words.
ACTION_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    group: tuple(s.name for s in SEED_ACTIONS if s.group == group)
    for group in dict.fromkeys(s.group for s in SEED_ACTIONS)
}

#: Every action name ``[actions] enabled`` and ``[roles]`` accept, in panel order.
ALL_ACTIONS: Final[tuple[str, ...]] = tuple(s.name for s in SEED_ACTIONS)

#: The seed's defaults: what an absent ``[actions]`` section enables.
DEFAULT_ACTIONS: Final[tuple[str, ...]] = tuple(
    s.name for s in SEED_ACTIONS if s.enabled_by_default
)

#: What is offered while no customer is loaded (the seed's rule).
NO_CUSTOMER_ACTIONS: Final[tuple[str, ...]] = tuple(s.name for s in ACTIONS if not s.needs_customer)

#: Status changes and cancellations, offered with a customer loaded to roles with ``edit`` on
#: their entity, after the action that creates their record (or at the end of their group).
STATUS_ACTIONS: Final[dict[str, ActionSpec]] = {s.name: s for s in ACTIONS if s.kind == "status"}

#: Later steps of an action, offered right after it while a customer is loaded, to whoever may
#: run it: name → the action.
ACTION_STEPS: Final[dict[str, str]] = {s.name: s.after or "" for s in ACTIONS if s.kind == "step"}


def default_actions_of(role: str) -> list[str]:
    """The actions ``role`` may run by default (``agent``, ``finance``), in panel order."""
    return [s.name for s in SEED_ACTIONS if role in s.roles]
