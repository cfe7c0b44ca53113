"""The search fields: one :class:`FieldSpec` per field, the only place a field is declared.

Everything else about search fields is derived from :data:`FIELDS`: the config groups and
labels (:mod:`commcentre_tui.catalog`), where the SQL finds a field (:mod:`.sql`), how its value
is normalised and which values "Any" sends to it (:mod:`.parse`), which fields the planner need
not estimate (:mod:`.run`) and the search indexes of each schema revision (:mod:`.index`).

Pure data (no database, no third-party imports): the config reads it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Normaliser = Literal["fold", "number", "id", "phone"]
"""How a value is normalised, in the stored shadow column and in a query alike: ``fold`` (case
and accents ignored, :func:`~commcentre_tui.text.fold`), ``number`` (a business number, upper
case, :func:`~commcentre_tui.text.canon_number`), ``id`` (an identity document number: letters
and digits only, upper case, :func:`~commcentre_tui.text.canon_id`), ``phone`` (E.164)."""

Shape = Literal["email", "phone", "number", "name"]
"""The shapes of an "Any" value (:mod:`.parse` tells them apart): ``email`` has an ``@``;
``phone`` is phone characters with 3+ digits; ``number`` is letters then digits
(``C0000042``); every value may be a ``name``."""

#: The shapes in the order "Any" tries them: the first shape of the value that has an enabled
#: field decides.
SHAPES: tuple[Shape, ...] = ("email", "phone", "number", "name")

#: The pseudo-field whose value's shape picks the real fields, and its label.
ANY_FIELD = "any"
ANY_LABEL = "Any field"

#: The config's ``[search.<group>]`` tables, in order.
GROUPS: tuple[str, ...] = ("contact", "address", "account", "subscription")


@dataclass(frozen=True)
class SearchTable:
    """A table search fields live in: how its row ``t`` reaches its contact, and the name of
    its FTS5 trigram index (SQLite)."""

    name: str
    fts: str
    owner: str = "t.contact_id"
    """The contact id, as an expression on ``t`` (and ``joins``)."""
    joins: str = ""
    """Joins after ``… FROM <table> t`` that ``owner`` needs."""

    @property
    def vocab(self) -> str:
        """Its ``fts5vocab`` twin: trigram document counts for the planner (SQLite)."""
        return f"{self.fts}_vocab"


#: Every table with search fields. FTS table names start with ``contact_fts``: Alembic leaves
#: those alone (``repo.migrate.SEARCH_INDEX_PREFIX``).
TABLES: tuple[SearchTable, ...] = (
    SearchTable("contact", "contact_fts", owner="t.id"),
    SearchTable("contact_phone", "contact_fts_phone"),
    SearchTable("contact_email", "contact_fts_email"),
    SearchTable("contact_address", "contact_fts_address"),
    SearchTable("account", "contact_fts_account"),
    SearchTable(
        "subscription",
        "contact_fts_subscription",
        owner="a.contact_id",
        joins=" JOIN account a ON a.id = t.account_id",
    ),
    SearchTable("care_case", "contact_fts_case"),
)
TABLE: dict[str, SearchTable] = {t.name: t for t in TABLES}


@dataclass(frozen=True)
class FieldSpec:
    """One search field: its name, where it is stored, how it compares and how it is found.

    Every field is indexed the same way: an FTS5 trigram index (SQLite) or a ``pg_trgm`` GIN
    index (PostgreSQL) for "ends with" and "contains", and a B-tree for = and "starts with"
    (SQLite: the model column's own ``index=True``; PostgreSQL: a ``COLLATE "C"`` one); a field
    of the contact row is also carried by the covering indexes the result order is walked on.
    """

    name: str
    """The config key and ``--field`` value."""
    label: str
    """What an agent reads (selectors, "also matched", messages)."""
    group: str
    """The ``[search.<group>]`` config table it is enabled in (:data:`GROUPS`)."""
    table: str
    """The table it lives in (:data:`TABLES`)."""
    column: str
    """The normalised (shadow) column searched."""
    display: str
    """The column shown as what matched."""
    normaliser: Normaliser
    selective: bool = False
    """= finds a handful of contacts at most, so the planner need not estimate it."""
    any_shapes: tuple[Shape, ...] = ()
    """The shapes of an "Any" value searched in this field (none: only when chosen by name)."""
    indexed_since: str = "0002"
    """The migration that created the column's search indexes (the indexes of an older schema
    revision leave the field out; see :func:`.index.layout`)."""
    owner_indexed_since: str | None = None
    """For a field of a related table: the migration that added its B-trees with the contact id,
    ``(column, contact_id)`` and ``(contact_id, column)``, so = and "starts with" read their
    contacts from an index alone and a walk checks a contact with one index seek (``None``:
    none)."""


#: Every search field, in the default display order of its group (and "Any"'s order within a
#: shape). Adding a field: one entry here, its model column (and shadow) and its migration;
#: docs/DEVELOPING.md has the recipe.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "last_name",
        "Last name",
        "contact",
        "contact",
        "last_name_norm",
        "last_name",
        "fold",
        any_shapes=("name",),
    ),
    FieldSpec(
        "first_name",
        "First name",
        "contact",
        "contact",
        "first_name_norm",
        "first_name",
        "fold",
        any_shapes=("name",),
    ),
    FieldSpec(
        "company_name",
        "Company name",
        "contact",
        "contact",
        "company_name_norm",
        "company_name",
        "fold",
        any_shapes=("name",),
    ),
    FieldSpec(
        "customer_number",
        "Customer number",
        "contact",
        "contact",
        "customer_number",
        "customer_number",
        "number",
        selective=True,
        any_shapes=("number",),
    ),
    FieldSpec(
        "id_number",
        "ID number",
        "contact",
        "contact",
        "id_number_norm",
        "id_number",
        "number",
        selective=True,
    ),
    FieldSpec(
        "phone",
        "Phone number",
        "contact",
        "contact_phone",
        "e164",
        "e164",
        "phone",
        selective=True,
        any_shapes=("phone",),
    ),
    FieldSpec(
        "email",
        "Email",
        "contact",
        "contact_email",
        "address_norm",
        "address",
        "fold",
        selective=True,
        any_shapes=("email",),
        owner_indexed_since="0015",
    ),
    FieldSpec("street", "Street", "address", "contact_address", "street_norm", "street", "fold"),
    FieldSpec(
        "city",
        "City",
        "address",
        "contact_address",
        "city_norm",
        "city",
        "fold",
        owner_indexed_since="0015",
    ),
    FieldSpec(
        "postal_code",
        "Postal code",
        "address",
        "contact_address",
        "postal_code_norm",
        "postal_code",
        "fold",
    ),
    FieldSpec(
        "country", "Country", "address", "contact_address", "country_norm", "country", "fold"
    ),
    FieldSpec(
        "account_number",
        "Account number",
        "account",
        "account",
        "number",
        "number",
        "number",
        selective=True,
        any_shapes=("number",),
    ),
    FieldSpec(
        "subscription_number",
        "Subscription number",
        "subscription",
        "subscription",
        "number",
        "number",
        "number",
        selective=True,
        any_shapes=("number",),
    ),
    FieldSpec(
        "case_number",
        "Case number",
        "contact",
        "care_case",
        "number",
        "number",
        "number",
        selective=True,
        any_shapes=("number",),
    ),
    FieldSpec(
        "national_id",
        "National ID",
        "contact",
        "contact",
        "national_id_norm",
        "national_id",
        "id",
        selective=True,
        any_shapes=("phone", "number"),
        indexed_since="0013",
    ),
)

#: The fields by name.
FIELD: dict[str, FieldSpec] = {f.name: f for f in FIELDS}


def names() -> list[str]:
    """Every search field name, in :data:`FIELDS` order."""
    return [f.name for f in FIELDS]


def groups() -> dict[str, tuple[str, ...]]:
    """Field names per config group, in their default display order."""
    return {g: tuple(f.name for f in FIELDS if f.group == g) for g in GROUPS}


def labels() -> dict[str, str]:
    """The label of every field name (and of "any")."""
    return {ANY_FIELD: ANY_LABEL, **{f.name: f.label for f in FIELDS}}


def routes() -> dict[Shape, tuple[str, ...]]:
    """Per shape of an "Any" value, the fields tried, in order."""
    return {s: tuple(f.name for f in FIELDS if s in f.any_shapes) for s in SHAPES}
