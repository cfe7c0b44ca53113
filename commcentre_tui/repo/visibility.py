"""Record visibility: unit-only cases and communications.

A case or communication whose ``visibility`` is anything but ``"public"`` (``"unit"``, or any
internal marking) is visible only to agents of its owning unit (``Case.assigned_unit``,
``Communication.unit``) and to supervisors (roles with ``supervisor = true``). A restricted record
with no owning unit is visible to supervisors only. Unknown markings fail closed.

Query modules apply the SQL condition; code holding one loaded record uses :func:`is_visible`::

    query = select(Communication).where(Communication.contact_id == cid,
                                        visibility_filter(Communication, actor))
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from commcentre_tui.models import Case, Communication
from commcentre_tui.repo.permissions import Actor

PUBLIC = "public"
UNIT_ONLY = "unit"
VISIBILITIES = (PUBLIC, UNIT_ONLY)

#: Model → the column naming its owning unit.
_OWNER_UNIT: dict[type, str] = {Case: "assigned_unit", Communication: "unit"}


def visibility_filter(model: type, actor: Actor) -> ColumnElement[bool]:
    """SQL condition: rows of ``model`` that ``actor`` may see (always true for other models)."""
    unit_column = _OWNER_UNIT.get(model)
    if unit_column is None or actor.is_supervisor:
        return true()
    visibility: Any = model.visibility  # type: ignore[attr-defined]  # only models with a visibility column are passed
    owner: Any = getattr(model, unit_column)
    own_unit = owner == actor.unit if actor.unit else false()
    return or_(visibility == PUBLIC, own_unit)


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: cases ``actor`` may see."""
    return visibility_filter(Case, actor)


def visible_communications(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: communications ``actor`` may see."""
    return visibility_filter(Communication, actor)


def is_visible(record: Any, actor: Actor) -> bool:
    """Whether ``actor`` may see one loaded case or communication (same rule as the filter)."""
    unit_column = _OWNER_UNIT.get(type(record))
    if unit_column is None or actor.is_supervisor or record.visibility == PUBLIC:
        return True
    return actor.unit is not None and getattr(record, unit_column) == actor.unit
