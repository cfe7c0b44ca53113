"""Money and form-input helpers shared by the finance services.

Amounts are :class:`~decimal.Decimal` everywhere; floats are refused at the door. Rounding happens
once per computed amount (a prorated bill line, a line's tax) by ``[billing] rounding``; totals
are sums of already-rounded amounts and are never rounded again.

The input half: the finance services take a pydantic :class:`FormInput` (or a plain mapping of
form fields) with the amount types below, validated by
:func:`commcentre_tui.validation.parse_input` like every service's input. The amount validators
raise the end of a sentence ("must be more than 0.00"), which follows the field's label.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict

from commcentre_tui.config import Settings
from commcentre_tui.validation import StorableText

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: The largest amount a ``NUMERIC(14,2)`` column holds.
MAX_AMOUNT = Decimal("999999999999.99")
#: Four places: the stored fraction of a month on a prorated bill line (display only).
RATIO_PLACES = Decimal("0.0001")


# --- arithmetic -------------------------------------------------------------------------------


def round_money(value: Decimal, rule: str) -> Decimal:
    """``value`` rounded to cents by ``rule`` (a :mod:`decimal` rounding name)."""
    return value.quantize(CENT, rounding=rule)


def rounding_rule(settings: Settings) -> str:
    """The configured rounding rule, e.g. ``ROUND_HALF_UP``."""
    return settings.billing.rounding


def tax_rate(settings: Settings) -> Decimal:
    """The configured tax rate as a Decimal (``"0.19"`` → 19%)."""
    return Decimal(settings.billing.tax_rate)


def prorate(price: Decimal, days: int, period_days: int, rule: str) -> Decimal:
    """``price`` for ``days`` of a ``period_days``-day period, rounded once.

    A whole period is exactly ``price`` (no rounding). The fraction is computed in Decimal at
    28 significant digits and rounded once to cents, so a result is never rounded twice.
    """
    if days == period_days:
        return price
    return round_money(price * Decimal(days) / Decimal(period_days), rule)


def line_tax(amount: Decimal, rate: Decimal, rule: str) -> Decimal:
    """The tax on one (already rounded) line amount, rounded once."""
    return round_money(amount * rate, rule)


def month_fraction(days: int, period_days: int) -> Decimal:
    """``days / period_days`` to four places, for the quantity shown on a bill line."""
    return (Decimal(days) / Decimal(period_days)).quantize(RATIO_PLACES)


def format_money(amount: Decimal, currency: str) -> str:
    """``1234.5`` → ``1,234.50 EUR`` (what agents read in messages)."""
    return f"{amount:,.2f} {currency}"


# --- input types ------------------------------------------------------------------------------


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("must be typed as a decimal amount such as 12.50, not a binary float")
    if isinstance(value, str):
        value = value.strip()
    return value


def _cents(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number such as 12.50")
    if abs(value) > MAX_AMOUNT:
        raise ValueError(f"must be at most {MAX_AMOUNT:,}")
    try:
        exact = value.quantize(CENT)
    except InvalidOperation:  # pragma: no cover - guarded by MAX_AMOUNT
        raise ValueError("must be an amount such as 12.50") from None
    if exact != value:
        raise ValueError("must have at most two decimal places")
    return exact


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be more than 0.00")
    return value


#: A money amount typed in a form: a string, int or Decimal with at most two places (never float).
Amount = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_cents)]
#: An :data:`Amount` that must be more than zero.
PositiveAmount = Annotated[
    Decimal, BeforeValidator(_no_float), AfterValidator(_cents), AfterValidator(_positive)
]


class FormInput(StorableText):
    """Base of every service input: unknown fields are refused, text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
