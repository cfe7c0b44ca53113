"""Money and form-input helpers shared by the finance services.

Amounts are :class:`~decimal.Decimal` everywhere; floats are refused at the door. Rounding happens
once per computed amount (a prorated bill line, a line's tax) by ``[billing] rounding``; totals
are sums of already-rounded amounts and are never rounded again.

The input half: every service takes a pydantic :class:`FormInput` (or a plain mapping of form
fields) and :func:`parse_input` turns pydantic's errors into one :class:`ValidationFailed` whose
``errors`` maps each bad field to one sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.validation import TEXT_ERRORS, StorableText, sentence

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
PositiveAmount = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_cents),
                           AfterValidator(_positive)]


class FormInput(StorableText):
    """Base of every service input: unknown fields are refused, text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


M = TypeVar("M", bound=FormInput)


def parse_input(model: type[M], data: M | Mapping[str, Any]) -> M:
    """``data`` validated as ``model``; bad fields raise :class:`ValidationFailed` (field → sentence)."""
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump()
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "__form__"
            errors.setdefault(field, _sentence(model, field, err))
        first_field = next(iter(errors))
        if first_field == "__form__":
            raise ValidationFailed(errors[first_field], None, {}) from None
        raise ValidationFailed.many(errors) from None


def label(model: type[BaseModel], field: str) -> str:
    """The form label of ``field``: its ``title``, else its name in words."""
    info = model.model_fields.get(field)
    if info is not None and info.title:
        return info.title
    return field.removesuffix("_id").replace("_", " ").capitalize()


def _sentence(model: type[BaseModel], field: str, err: Any) -> str:
    """One sentence for one pydantic error."""
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    msg: str = err["msg"]
    if field == "__form__":
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    name = label(model, field)
    if kind in TEXT_ERRORS:  # NUL, control characters, line breaks: worded as every service words them
        return sentence(name, err)
    if kind == "missing":
        return f"{name} is required."
    if kind == "extra_forbidden":
        return f"{field!r} is not a field of this form."
    if kind in ("value_error", "assertion_error"):
        return f"{name} {msg.removeprefix('Value error, ').removeprefix('Assertion failed, ')}."
    if kind == "finite_number":
        return f"{name} must be a finite number such as 12.50."
    if kind.startswith("decimal") or kind in ("float_parsing", "float_type"):
        return f"{name} must be a number such as 12.50."
    if kind.startswith("int"):
        return f"{name} must be a whole number."
    if kind.startswith("date"):
        return f"{name} must be a date such as {date.today().isoformat()}."
    if kind == "literal_error":
        return f"{name} must be one of {ctx.get('expected', 'the listed values')}."
    bounds = {"greater_than": "more than", "greater_than_equal": "at least",
              "less_than": "less than", "less_than_equal": "at most"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        return f"{name} must be {bounds[kind]} {limit}."
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return f"{name} is required."
        return f"{name} must be at least {ctx.get('min_length')} characters long."
    if kind == "string_too_long":
        return f"{name} must be at most {ctx.get('max_length')} characters long."
    if kind == "too_short":
        return f"Choose at least {ctx.get('min_length', 1)} for {name.lower()}."
    if kind == "string_pattern_mismatch":
        return f"{name} is not in the expected format."
    return f"{name}: {msg.rstrip('.')}."
