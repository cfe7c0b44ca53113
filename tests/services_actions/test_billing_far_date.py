"""Bill Subscriber refuses a Bill As Of Date far in the future with a sentence (it once overflowed
the calendar arithmetic near year 9999)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from commcentre_tui.errors import ValidationFailed
from commcentre_tui.services.billing import BillInput
from commcentre_tui.validation import parse_input


@pytest.mark.parametrize("as_of", [date(9999, 12, 31), date.today() + timedelta(days=400)])
def test_a_bill_date_far_ahead_is_refused_beside_the_field(as_of: date) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_input(BillInput, {"subscription_id": 1, "as_of": as_of})
    assert refused.value.errors == {"as_of": "Bill As Of Date can be at most a year from today."}


def test_a_bill_date_within_the_year_is_taken() -> None:
    soon = date.today() + timedelta(days=300)
    assert parse_input(BillInput, {"subscription_id": 1, "as_of": soon}).as_of == soon
