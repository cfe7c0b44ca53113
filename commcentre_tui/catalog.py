"""The product's fixed vocabulary: action names, search fields, entities and pick lists.

Pure data, so config validation, services and screens share one spelling (the search fields
come from their declarations, which are pure data too).
"""

from __future__ import annotations

from typing import Final, NamedTuple

from commcentre_tui.repo.search import fields as _search_fields

#: The Action Panel's groups and actions, in the seed's order and words.
ACTION_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "CRM": (
        "Log Company Information",
        "Log Person Information",
        "Create a Communication",
        "Plan a Job",
        "Raise a Service Request",
        "Schedule an Activity",
        "Take a Lead",
        "Open a Case",
        "Add a Follow-up",
        "Create a Task",
        "Add More Information",
        "Follow Up",
    ),
    "Billing & Subscription": (
        "Become Subscriber",
        "Manage Subscription",
        "Add Services",
        "Remove Services",
        "Bill Subscriber",
        "Communicate Bill",
    ),
    "Finance": (
        "Create new Account",
        "Cancel eVoucher",
        "Purchase eVoucher",
        "Retrieve Voucher Secret Number",
        "Pay a Bill",
        "Post an Invoice",
        "Post a Payment",
        "Use Voucher",
        "Use Wallet to Purchase Electronic Voucher",
    ),
}

#: Every action name, in panel order.
ALL_ACTIONS: Final[tuple[str, ...]] = tuple(a for group in ACTION_GROUPS.values() for a in group)

#: The seed's defaults: what an absent ``[actions]`` section enables.
DEFAULT_ACTIONS: Final[tuple[str, ...]] = (
    "Log Company Information",
    "Log Person Information",
    "Create a Communication",
    "Create new Account",
)

#: What is offered while no customer is loaded (the seed's rule).
NO_CUSTOMER_ACTIONS: Final[tuple[str, ...]] = (
    "Log Person Information",
    "Log Company Information",
    "Create new Account",
    "Retrieve Voucher Secret Number",
)

class StatusAction(NamedTuple):
    """A life-cycle action offered beside the seed action that creates its record.

    It follows ``after``'s place in the panel, its ``[actions] enabled`` entry and its role
    grant (``None``: offered in ``group`` to roles with ``edit`` on ``entity``); ``keywords``
    also match the panel's filter (e.g. "complete").
    """

    group: str
    after: str | None
    entity: str
    keywords: str


#: Status changes and cancellations the services support, offered with a customer loaded.
STATUS_ACTIONS: Final[dict[str, StatusAction]] = {
    "Update Job Status": StatusAction("CRM", "Plan a Job", "job", "complete cancel start job"),
    "Update Service Request Status": StatusAction(
        "CRM", "Raise a Service Request", "service_request", "progress resolve close"),
    "Update Activity Status": StatusAction(
        "CRM", "Schedule an Activity", "activity", "complete cancel start activity"),
    "Update Lead Status": StatusAction("CRM", "Take a Lead", "lead", "qualify win won lose lost"),
    "Close a Case": StatusAction("CRM", "Open a Case", "case", "close case"),
    "Reopen a Case": StatusAction("CRM", "Open a Case", "case", "reopen case"),
    "Update Task Status": StatusAction("CRM", "Create a Task", "task", "complete cancel reopen task"),
    "Cancel Reward Transaction": StatusAction("Finance", None, "reward", "rewards points award spend"),
}

#: Later steps of an action: offered right after it while a customer is loaded, to whoever may
#: run it (no entry of their own in ``[actions]`` or ``[roles]``): name → the action.
ACTION_STEPS: Final[dict[str, str]] = {"Complete Draft": "Create a Communication"}

#: Search fields per group, in their default display order (declared in
#: :mod:`commcentre_tui.repo.search.fields`, one ``FieldSpec`` each).
SEARCH_FIELDS: Final[dict[str, tuple[str, ...]]] = _search_fields.groups()

#: The pseudo-field whose value's shape picks the real field.
ANY_FIELD: Final = _search_fields.ANY_FIELD

#: Human labels for search fields (console selectors, CLI messages).
FIELD_LABELS: Final[dict[str, str]] = _search_fields.labels()

#: Entities that carry an access level per role ("network characteristics").
ENTITIES: Final[tuple[str, ...]] = (
    "contact",
    "account",
    "invoice",
    "payment",
    "bill",
    "credit",
    "wallet",
    "voucher",
    "product",
    "subscription",
    "reward",
    "communication",
    "template",
    "activity",
    "job",
    "service_request",
    "lead",
    "case",
    "task",
    "agent",
    "audit",
)

ACCESS_LEVELS: Final[tuple[str, ...]] = ("none", "select", "view", "edit")

MEDIA: Final[tuple[str, ...]] = ("email", "sms", "phone", "letter", "chat")
DIRECTIONS: Final[tuple[str, ...]] = ("incoming", "outgoing")
DEFAULT_CATEGORIES: Final[tuple[str, ...]] = (
    "General",
    "Technical Issue",
    "Billing",
    "Complaint",
    "Sales",
    "Notification",
)
