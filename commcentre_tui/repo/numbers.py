"""Business numbers (customer, account, bill …): gap-tolerant series kept in ``number_sequence``."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from commcentre_tui.models import NumberSequence

#: Series name → (prefix, digits). Seeded data uses the same formats.
SERIES: dict[str, tuple[str, int]] = {
    "contact": ("C", 7),
    "account": ("A", 8),
    "subscription": ("S", 8),
    "bill": ("B", 9),
    "invoice": ("I", 8),
    "payment": ("P", 9),
    "voucher": ("V", 9),
    "activity": ("AC", 7),
    "job": ("J", 7),
    "service_request": ("SR", 7),
    "lead": ("L", 7),
    "case": ("CS", 7),
    "reward_participant": ("R", 8),
}


def format_number(series: str, value: int) -> str:
    """The printed number ``value`` of ``series``, e.g. ``format_number("contact", 42)`` → C0000042."""
    prefix, digits = SERIES[series]
    return f"{prefix}{value:0{digits}d}"


def next_number(session: Session, series: str) -> str:
    """Reserve and return the next number of ``series`` inside the caller's transaction."""
    take = (
        update(NumberSequence)
        .where(col(NumberSequence.name) == series)
        .values(next_value=col(NumberSequence.next_value) + 1)
        .returning(col(NumberSequence.next_value))
    )
    row = session.execute(take).first()
    if row is None:
        # First use of the series: create its row without racing another first use (a plain
        # INSERT would fail with a duplicate key when two transactions start a series at once).
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(NumberSequence)
            .values(name=series, next_value=1)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        row = session.execute(take).one()
    return format_number(series, int(row[0]) - 1)


def set_next(session: Session, series: str, value: int) -> None:
    """Make ``value`` the next number of ``series`` (after bulk loads)."""
    if session.execute(select(NumberSequence).where(col(NumberSequence.name) == series)).first():
        session.execute(
            update(NumberSequence)
            .where(col(NumberSequence.name) == series)
            .values(next_value=value)
        )
    else:
        session.add(NumberSequence(name=series, next_value=value))
