"""The raw-insert encoding of generated values (as each backend stores them, the twin of the ORM
column types) and the ids and business numbers handed to generated rows."""

from __future__ import annotations

from datetime import date, timedelta

from commcentre_tui.repo.numbers import SERIES
from commcentre_tui.repo.seed.columns import COLUMNS

DAY = 86400


EPOCH = date(1970, 1, 1)


class Encoding:
    """Values as one backend stores them (the raw-insert twin of the ORM column types)."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        suffix = "" if backend == "sqlite" else "+00"
        self._days: dict[int, str] = {}
        self._clock = [
            f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000{suffix}" for s in range(DAY)
        ]
        self.money = _cents if backend == "sqlite" else self._money_text
        self._money: dict[int, str] = {}

    def day(self, epoch_day: int) -> str:
        """``YYYY-MM-DD`` of a day counted from 1970-01-01."""
        text = self._days.get(epoch_day)
        if text is None:
            text = self._days[epoch_day] = (EPOCH + timedelta(days=epoch_day)).isoformat()
        return text

    def ts(self, t: int) -> str:
        """An epoch-seconds instant as the backend's UTC timestamp text."""
        d, s = divmod(t, DAY)
        return (self._days.get(d) or self.day(d)) + self._clock[s]

    def _money_text(self, cents: int) -> str:
        text = self._money.get(cents)
        if text is None:
            text = self._money[cents] = _decimal_text(cents)
        return text

    def opt_ts(self, t: int | None) -> str | None:
        return None if t is None else self.ts(t)


def national_id(contact_id: int) -> str:
    """A national ID for a generated person: eight digits, distinct for the first 90 million
    contacts (48271 is prime to 9·10⁷), written in two groups as people often type it."""
    digits = f"{contact_id * 48_271 % 90_000_000 + 10_000_000}"
    return f"{digits[:4]} {digits[4:]}"


def _cents(cents: int) -> int:
    return cents


def _decimal_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


class Ids:
    """The next id per table and next value per number series (advanced as rows are made)."""

    def __init__(self, next_ids: dict[str, int], next_numbers: dict[str, int]) -> None:
        self.next_ids = {t: next_ids.get(t, 1) for t in COLUMNS}
        self.next_numbers = {s: next_numbers.get(s, 1) for s in SERIES}

    def take(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def number(self, series: str) -> str:
        value = self.next_numbers[series]
        self.next_numbers[series] = value + 1
        prefix, digits = SERIES[series]
        return f"{prefix}{value:0{digits}d}"
