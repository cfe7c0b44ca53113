"""Optimistic locking: an edit names the version it started from; a stale edit is a Conflict."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import Session, SQLModel

from commcentre_tui.errors import Conflict, NotFound

T = TypeVar("T", bound=SQLModel)


def update_versioned(
    session: Session,
    model: type[T],
    record_id: int,
    expected_version: int,
    values: dict[str, Any],
    *,
    label: str | None = None,
) -> T:
    """Apply ``values`` to ``model`` row ``record_id`` only if it is still at ``expected_version``.

    The version is bumped in the same UPDATE (compare-and-set), so two agents saving the same
    record cannot both win. Returns the refreshed record; raises :class:`Conflict` when someone
    else saved first and :class:`NotFound` when the row is gone.
    """
    table = model.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    what = label or table.name.replace("_", " ")
    result = session.execute(
        update(table)
        .where(table.c.id == record_id, table.c.version == expected_version)
        .values(**values, version=table.c.version + 1)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]  # execute() of an UPDATE/DELETE returns a CursorResult, which has rowcount
        current = session.get(model, record_id)
        if current is None:
            raise NotFound(f"The {what} no longer exists.")
        raise Conflict(
            f"Another agent changed this {what} while you were editing it; reload to see their "
            "changes, then apply yours again."
        )
    obj = session.get(model, record_id, populate_existing=True)
    assert obj is not None
    return obj


def bump_version(
    session: Session, record: Any, expected_version: int, *, label: str | None = None
) -> None:
    """Compare-and-set the version of an ORM ``record`` whose other changes are pending."""
    update_versioned(session, type(record), record.id, expected_version, {}, label=label)
