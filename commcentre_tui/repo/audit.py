"""The audit trail: written in the same transaction as the change it records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, SQLModel

from commcentre_tui.models import AuditEntry


def snapshot(
    record: SQLModel | None, fields: tuple[str, ...] | None = None
) -> dict[str, Any] | None:
    """A JSON-safe copy of ``record``'s columns (or just ``fields``) for before/after."""
    if record is None:
        return None
    data = record.model_dump(include=set(fields) if fields else None)
    return {k: _jsonable(v) for k, v in data.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def record(
    session: Session,
    *,
    agent_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
) -> AuditEntry:
    """Add an audit entry to the caller's transaction (and note the customer it changed, whose
    change counter the commit raises: :mod:`commcentre_tui.repo.changes`)."""
    from commcentre_tui.repo import changes

    entry = AuditEntry(
        agent_id=agent_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        detail=detail[:500],
    )
    session.add(entry)
    changes.note(session, changes.contact_of(session, entity, entity_id), agent_id)
    return entry
