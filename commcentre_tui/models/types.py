"""Column types: exact money on every engine, and the UTC clock."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric, types
from sqlalchemy.engine.interfaces import Dialect

CENT = Decimal("0.01")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def money(value: Any) -> Decimal:
    """``value`` as a two-place Decimal (strings and Decimals only: never a float)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Money(types.TypeDecorator[Decimal]):
    """A two-place Decimal: ``NUMERIC(14,2)`` on PostgreSQL, integer cents on SQLite.

    SQLite has no decimal type and would round-trip through binary floats; storing cents keeps
    both engines exact, and ``SUM`` over cents is exact too.
    """

    impl = Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(14, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = money(value)
        return int(amount * 100) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            # Cents → exactly two places: what (cents / 100).quantize(CENT) gives, in one step.
            return Decimal(int(value)).scaleb(-2)
        return money(value)

    def coerce_compared_value(self, op: Any, value: Any) -> types.TypeEngine[Any]:
        return self
