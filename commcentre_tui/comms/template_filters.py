"""The filters templates may use: ``date`` (with a ``strftime`` format) and ``money``."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from commcentre_tui.comms.sandbox import TemplateError


@lru_cache(maxsize=4096)
def _date_text(value: date, fmt: str) -> str:
    return value.strftime(fmt)


def date_filter(value: Any, fmt: str = "%d/%m/%Y") -> str:
    """``{{ bill.due_date | date("%d %B %Y") }}``. Plain dates (due dates …) repeat across the
    customers of a bulk send, so their text is cached (``strftime`` is slow)."""
    if type(value) is date and type(fmt) is str:
        return _date_text(value, fmt)
    if isinstance(value, date | datetime):
        return value.strftime(fmt)
    raise TemplateError(f"The date filter needs a date, not {value!r}.")


def money_filter(value: Any, places: int = 2) -> str:
    """``{{ account.balance | money }}`` → ``1,234.50``."""
    return f"{value:,.{places}f}"
