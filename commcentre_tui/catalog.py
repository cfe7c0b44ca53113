"""The product's fixed vocabulary: search fields, entities and pick lists.

Pure data with no dependencies, so config validation, services and screens share one spelling.
The actions are declared in :mod:`commcentre_tui.actions` (their registry lists every name).
"""

from __future__ import annotations

from typing import Final

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
