"""The product's fixed vocabulary: action names, search fields, entities and pick lists.

Pure data with no dependencies, so config validation, services and screens share one spelling.
"""

from __future__ import annotations

from typing import Final, NamedTuple

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

#: Search fields per group, in their default display order.
SEARCH_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "contact": (
        "last_name",
        "first_name",
        "company_name",
        "customer_number",
        "id_number",
        "phone",
        "email",
        "case_number",
    ),
    "address": ("street", "city", "postal_code", "country"),
    "account": ("account_number",),
    "subscription": ("subscription_number",),
}

#: The pseudo-field whose value's shape picks the real field.
ANY_FIELD: Final = "any"

#: Human labels for search fields (console selectors, CLI messages).
FIELD_LABELS: Final[dict[str, str]] = {
    "any": "Any field",
    "first_name": "First name",
    "last_name": "Last name",
    "company_name": "Company name",
    "customer_number": "Customer number",
    "id_number": "ID number",
    "phone": "Phone number",
    "email": "Email",
    "case_number": "Case number",
    "street": "Street",
    "city": "City",
    "postal_code": "Postal code",
    "country": "Country",
    "account_number": "Account number",
    "subscription_number": "Subscription number",
}

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
