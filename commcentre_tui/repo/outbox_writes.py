"""The outbox's tables and bulk writes: id allocation, the fast communication insert, enqueue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session

from commcentre_tui.models import Communication, CommunicationQueue

T_COMM = Communication.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_QUEUE = CommunicationQueue.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)

#: Every communication column with its default, so bulk inserts name them all.
COMMUNICATION_DEFAULTS: dict[str, Any] = {
    "agent_id": None,
    "category": "General",
    "subject": "",
    "content": "",
    "recipient": "",
    "state": "draft",
    "delivery": None,
    "attempts": 0,
    "last_error": None,
    "shared_notes": "",
    "related_type": None,
    "related_id": None,
    "follow_up_of_id": None,
    "template_id": None,
    "visibility": "public",
    "unit": None,
    "call_started_at": None,
    "call_duration_seconds": None,
    "disposition_reason": None,
    "disposition_outcome": None,
    "completed_at": None,
    "sent_at": None,
    "version": 1,
}


def allocate_ids(session: Session, count: int) -> list[int]:
    """Reserve ``count`` communication ids in the caller's (writing) transaction."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('communication', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return sorted(int(r[0]) for r in rows)
    # SQLite: the transaction began IMMEDIATE, so no other writer can take these ids meanwhile.
    top = session.execute(select(T_COMM.c.id).order_by(T_COMM.c.id.desc()).limit(1)).scalar() or 0
    return list(range(top + 1, top + 1 + count))


def _db_value(session: Session, column: Any, value: Any) -> Any:
    """``value`` as the driver expects it for ``column`` (SQLAlchemy's own conversion, once)."""
    dialect = session.get_bind().dialect
    process = column.type.bind_processor(dialect)
    value = process(value) if process else value
    if dialect.name == "sqlite" and isinstance(value, datetime):
        # The text sqlite3's default datetime adapter would make of it, once per value instead
        # of once per row in executemany.
        return value.isoformat(" ")
    return value


def bulk_insert(
    session: Session, table: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, values already in driver form) through the
    driver in the caller's transaction: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""
    if not rows:
        return
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    names = ", ".join(columns)
    if session.get_bind().dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]  # psycopg's cursor is a context manager; the DBAPI protocol does not say so
            for row in rows:
                copy.write_row(row)
    else:
        raw.executemany(
            f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", rows
        )


_COMM_COLUMNS = ("id", "contact_id", "direction", "media", "created_at", *COMMUNICATION_DEFAULTS)
_TIME_COLUMNS = frozenset({"created_at", "completed_at", "sent_at", "call_started_at"})


def insert_communications(
    session: Session, rows: Sequence[dict[str, Any]], now: datetime
) -> list[int]:
    """Insert communications in bulk (no ORM object per row); returns their ids in row order.

    Each row needs ``contact_id``, ``direction`` and ``media``; other columns default as in
    :data:`COMMUNICATION_DEFAULTS`.
    """
    ids = allocate_ids(session, len(rows))
    if not rows:
        return ids
    cache: dict[tuple[str, Any], Any] = {}

    def value(column: str, raw: Any) -> Any:
        key = (column, raw)
        if key not in cache:
            cache[key] = _db_value(session, T_COMM.c[column], raw)
        return cache[key]

    # Every row over the defaults, in column order (a dict merge keeps the first dict's key
    # order): one C-level merge per row instead of a Python call per column.
    base = dict.fromkeys(_COMM_COLUMNS)
    base.update(COMMUNICATION_DEFAULTS, created_at=now)
    times = [col for col in _TIME_COLUMNS if col == "created_at" or any(col in row for row in rows)]
    tuples = []
    for row, i in zip(rows, ids, strict=True):
        merged = {**base, **row, "id": i}
        if len(merged) != len(base):  # keys that are not columns are ignored
            merged = {col: merged[col] for col in base}
        for col in times:
            if merged[col] is not None:
                merged[col] = value(col, merged[col])
        tuples.append(tuple(merged.values()))
    bulk_insert(session, T_COMM, _COMM_COLUMNS, tuples)
    return ids


_QUEUE_COLUMNS = ("communication_id", "status", "attempts", "next_attempt_at", "created_at")


def enqueue(session: Session, communication_ids: Iterable[int], now: datetime) -> int:
    """Add a queue entry for each communication, in the caller's transaction (the outbox write)."""
    stamp = _db_value(session, T_QUEUE.c.created_at, now)
    rows = [(cid, "queued", 0, stamp, stamp) for cid in communication_ids]
    bulk_insert(session, T_QUEUE, _QUEUE_COLUMNS, rows)
    return len(rows)
