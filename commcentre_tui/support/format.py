"""How values read on screen: money, dates, statuses — always plain, inert text (never markup).

Anything that came from the database (names, subjects, notes) goes through :func:`cell`, which
returns a Rich ``Text`` built from :func:`commcentre_tui.text.inert`, so a name containing
``[bold]`` or a terminal escape sequence is shown as typed and never interpreted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.text import Text

from commcentre_tui import zones
from commcentre_tui.text import inert

DASH = "—"


def money(amount: Decimal | None, currency: str | None = None) -> str:
    """``Decimal("1234.5")`` → ``"1,234.50"`` (with ``"EUR "`` in front when given)."""
    if amount is None:
        return DASH
    text = f"{amount:,.2f}"
    return f"{currency} {text}" if currency else text


def balance_words(amount: Decimal, currency: str) -> str:
    """A balance that says who owes whom, not by colour: ``"owes EUR 12.00"``."""
    if amount > 0:
        return f"owes {money(amount, currency)}"
    if amount < 0:
        return f"in credit {money(-amount, currency)}"
    return f"settled {money(amount, currency)}"


def when(value: datetime | date | None) -> str:
    """A date, or a date and time in the agent's time zone (:mod:`commcentre_tui.zones`), or a
    dash."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = zones.local(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def day(value: datetime | date | None) -> str:
    """Just the date (in the agent's time zone)."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        value = (zones.local(value) if value.tzinfo else value).date()
    return value.strftime("%Y-%m-%d")


def status(value: str | None) -> str:
    """``"in_progress"`` → ``"in progress"``."""
    return (value or DASH).replace("_", " ")


#: Care entity → a short kind label for narrow tables.
SHORT_KINDS = {
    "service_request": "Service req.",
    "activity": "Activity",
    "lead": "Lead",
    "job": "Job",
    "case": "Case",
    "task": "Task",
}


def short_kind(entity: str) -> str:
    """A care record's kind in at most 12 characters."""
    return SHORT_KINDS.get(entity, entity.replace("_", " ").capitalize())


def plain(value: Any) -> str:
    """Any value as display text (inert)."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime | date):
        return when(value)
    return inert(value)


def cell(value: Any, *, width: int | None = None, justify: str = "left") -> Text:
    """A table cell: inert text, optionally cut to ``width`` with an ellipsis."""
    text = Text(plain(value), justify=justify)  # type: ignore[arg-type]  # justify comes from the column spec, one of Rich's literals
    if width is not None and len(text) > width:
        text.truncate(width, overflow="ellipsis")
    return text


def one_line(value: Any) -> Text:
    """A cell that stays on its line and ends with "…" where its column cuts it (a ``Text``
    is kept with its styles; anything else becomes an inert :func:`cell`)."""
    text = value if isinstance(value, Text) else cell(value)
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def number_cell(value: Any) -> Text:
    """A right-aligned cell for amounts and counts."""
    return cell(value, justify="right")
