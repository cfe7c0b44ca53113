"""Money read back from SQLite's integer cents: exactly two places, as the division gave."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from commcentre_tui.models.types import CENT, Money


@pytest.mark.parametrize(
    "cents", [0, 1, -1, 5, 99, 100, 4590, -4590, 123456789, 2**63 - 1, -(2**63)]
)
def test_sqlite_cents_read_back_with_two_places(cents: int) -> None:
    value = Money().process_result_value(cents, sqlite.dialect())
    expected = (Decimal(cents) / 100).quantize(CENT)
    assert value == expected
    assert value is not None and value.as_tuple() == expected.as_tuple()
    assert str(value) == str(expected)


def test_postgresql_amounts_are_kept_to_two_places() -> None:
    assert str(Money().process_result_value(Decimal("45.9"), postgresql.dialect())) == "45.90"
