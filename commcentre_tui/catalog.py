"""The product's fixed vocabulary: search fields, entities and pick lists.

Pure data, so config validation, services and screens share one spelling. The actions are
declared in :mod:`commcentre_tui.actions` (their registry lists every name); the search fields
come from their declarations in :mod:`commcentre_tui.repo.search.fields` (pure data too).
"""

from __future__ import annotations

from typing import Final

from commcentre_tui.repo.search import fields as _search_fields

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
