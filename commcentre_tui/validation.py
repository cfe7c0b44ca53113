"""Form input validation shared by services (pure: no database, no Textual).

- :class:`FormModel`: base of every service input model (strips text, refuses unknown fields
  and, through :class:`StorableText`, text no field should hold: see :func:`text_problem` —
  NUL, which PostgreSQL cannot store, and every other control character, plus line breaks in
  one-line fields such as subjects and names; multi-line fields are named in
  :data:`MULTILINE_FIELDS` or by a model's ``multiline_fields``).
- :func:`parse_input`: the one validation path of every service: validate a mapping (or a model)
  with a context (``now``, ``region`` …) and turn pydantic's errors into one
  :class:`~commcentre_tui.errors.ValidationFailed` whose ``errors`` maps each field (dotted for
  nested rows: ``phones.1.number``) to one sentence (:func:`sentence`).
- :func:`check_email`, :func:`check_phone`: the syntax rules for email addresses and phone
  numbers, raising ``ValueError`` with a sentence (usable inside pydantic validators).
- :func:`limit`: the ``max_length`` a SQLModel table declares for a column, so input models and
  tables never drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, TypeVar

import phonenumbers
from annotated_types import MaxLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from commcentre_tui.errors import ValidationFailed
from commcentre_tui.text import quoted

M = TypeVar("M", bound=BaseModel)

#: Longest free text (descriptions, notes) accepted where the column itself is unbounded.
LONG_TEXT = 4000


def blank_to_none(value: Any) -> Any:
    """Empty or blank text means "not given"."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


#: Optional text: blank becomes ``None``.
OptStr = Annotated[str | None, BeforeValidator(blank_to_none)]
#: A date and time, stored as aware UTC (naive input is read as UTC).
When = Annotated[datetime, AfterValidator(as_utc)]
#: An optional date and time (blank = none).
OptWhen = Annotated[
    datetime | None,
    BeforeValidator(blank_to_none),
    AfterValidator(lambda v: None if v is None else as_utc(v)),
]
#: An optional id from a picker (blank = none).
OptId = Annotated[int | None, BeforeValidator(blank_to_none)]


#: Why text with a NUL character is refused (PostgreSQL cannot store it; SQLite would).
NUL_PROBLEM = "contains a NUL character (\\x00), which cannot be saved"
#: Why a line break in a one-line field (a subject, a name, a number) is refused.
LINE_BREAK_PROBLEM = "must be on one line (it contains a line break)"

#: Fields that hold several lines (tab, line feed and carriage return allowed); every other
#: text field is one line. A model may add its own with a ``multiline_fields`` class variable.
MULTILINE_FIELDS = frozenset(
    {
        "address",
        "billing_address",
        "body",
        "comment",
        "comments",
        "content",
        "description",
        "details",
        "message",
        "note",
        "notes",
        "reason",
        "shared_notes",
        "text",
    }
)
#: The pydantic error types :class:`StorableText` raises (every service words them the same way).
TEXT_ERRORS = frozenset({"unstorable_text", "control_character", "line_break"})
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")


def control_problem(char: str) -> str:
    """The end of the sentence for a control character (``contains a control character …``)."""
    return f"contains a control character (U+{ord(char):04X}), which cannot be saved"


def _problem(value: str, multiline: bool) -> tuple[str, str] | None:
    """``(error type, sentence tail)`` for text a field cannot hold, else ``None``."""
    if "\x00" in value:
        return "unstorable_text", NUL_PROBLEM
    if not multiline and ("\n" in value or "\r" in value):
        return "line_break", LINE_BREAK_PROBLEM
    bad = (_CONTROL_MULTILINE if multiline else _CONTROL_ONE_LINE).search(value)
    if bad is not None:
        return "control_character", control_problem(bad.group())
    return None


def text_problem(value: Any, label: str, *, multiline: bool = False) -> str | None:
    """Why text ``value`` cannot be saved, as a sentence starting with ``label``, else ``None``:
    a NUL character, any other control character (C0, DEL, C1; tab, line feed and carriage
    return are allowed in ``multiline`` text), or a line break in one-line text."""
    if not isinstance(value, str):
        return None
    found = _problem(value, multiline)
    if found is None:
        return None
    return f"{label} {found[1]}" + ("." if found[0] == "line_break" else "; remove it.")


def unstorable(value: Any, label: str) -> str | None:
    """Why one-line text ``value`` cannot be saved, as a sentence, else ``None`` (the
    :func:`text_problem` of a one-line field)."""
    return text_problem(value, label)


def _check_text(value: Any, multiline: bool) -> None:
    if isinstance(value, str):
        found = _problem(value, multiline)
        if found is not None:
            raise PydanticCustomError(found[0], found[1])
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item, multiline)
    elif isinstance(value, dict):  # custom fields: name → value
        for item in (*value.keys(), *value.values()):
            _check_text(item, multiline)


class StorableText(BaseModel):
    """Refuses text no field should hold (see :func:`text_problem`), in every field, the same
    way for every service: one sentence per field, whichever screen or command sent it."""

    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        _check_text(value, name in MULTILINE_FIELDS or name in cls.multiline_fields)
        return value


class FormModel(StorableText):
    """Base of the services' input models: text stripped, unknown fields refused."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


def limit(model: type[BaseModel], field: str) -> int:
    """The ``max_length`` of ``model.field`` (a SQLModel column), e.g. ``limit(Contact, "first_name")``."""
    for meta in model.model_fields[field].metadata:
        if isinstance(meta, MaxLen):
            return int(meta.max_length)
    raise KeyError(f"{model.__name__}.{field} declares no max_length")


def check_email(value: str) -> str:
    """``value`` (stripped, as the agent typed it) if it is a valid email address, else
    ``ValueError`` with a sentence.

    The syntax is checked by ``email-validator`` (the library pydantic uses): RFC 5321
    lengths, international local parts (``μαρία@example.com``) and domains
    (``info@κύπρος.cy``, checked by their IDNA form), no special-use domains (``.test``,
    ``localhost``); it does not ask DNS whether the domain exists. What the agent typed is
    kept; matching uses the folded ``address_norm`` (case and accents ignored).
    """
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(
            f"“{quoted(text)}” is not a valid email address (expected name@example.com)."
        ) from None
    return text


def normal_email(value: str) -> str:
    """The normalised form of a valid email address (``value`` stripped when it is not valid).

    The domain goes through IDNA (UTS-46 mapping, lower case) and is kept in its Unicode form
    (``info@Κύπρος.CY`` → ``info@κύπρος.cy``, ``x@xn--vxakceg6d.cy`` → ``x@κύπρος.cy``); the local
    part stays as typed (NFC). This is what is stored as ``contact_email.address``; what the
    agent typed is kept beside it (``address_as_typed``), as phones keep theirs beside E.164.
    """
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        return text


def stored_email(address: str) -> tuple[str, str | None]:
    """``(normal form, as typed or None)`` of a valid address, as ``contact_email`` keeps them
    (``None`` when the two are the same). Plain ASCII addresses skip the validator: their normal
    form is the domain in lower case (bulk imports call this for every row)."""
    if address.isascii():
        local, _, domain = address.rpartition("@")
        normal = f"{local}@{domain.lower()}"
    else:
        normal = normal_email(address)
    return normal, (address if normal != address else None)


def check_phone(value: str, region: str = "CY") -> tuple[str, str]:
    """``(number as typed, E.164)`` if ``value`` is a valid phone number read in ``region``.

    National numbers are read in ``region`` (``[search] default_region``); ``+`` and ``00``
    prefixes mark international numbers. Raises ``ValueError`` with a sentence otherwise.
    """
    text = " ".join(value.split())
    bad = ValueError(
        f"“{quoted(text)}” is not a valid phone number for region {region} "
        "(use the international form, e.g. +357 99 123456)."
    )
    if not any(ch.isdigit() for ch in text) or re.search(r"[^0-9+()./\- ]", text):
        raise bad
    candidate = "+" + text[2:] if text.startswith("00") else text
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        raise bad from None
    if not phonenumbers.is_valid_number(parsed):
        raise bad
    return text, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def humanise(name: str) -> str:
    """``assigned_agent_id`` → ``Assigned agent``: a field name as a label."""
    words = name.removesuffix("_id").replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) if words else "This field"


def _singular(name: str) -> str:
    if name.endswith("sses"):
        return name[:-2]
    return name[:-1] if name.endswith("s") else name


def field_key(loc: tuple[Any, ...]) -> str:
    """The dotted field key of an error location: ``("phones", 1, "number")`` → ``phones.1.number``."""
    return ".".join(str(part) for part in loc)


def field_label(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """A readable label for an error location (title if the field declares one)."""
    if not loc:
        return "This form"
    head = str(loc[0])
    info = model.model_fields.get(head)
    top = info.title if info is not None and info.title else humanise(head)
    if len(loc) >= 2 and isinstance(loc[1], int):
        row = f"{humanise(_singular(head))} {loc[1] + 1}"
        return f"{row} {humanise(str(loc[2])).lower()}" if len(loc) >= 3 else row
    if len(loc) >= 2:
        return f"{top} {humanise(str(loc[-1])).lower()}"
    return top


def sentence(label: str, error: Mapping[str, Any]) -> str:
    """One sentence for a pydantic error dict."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        # A validator raises a whole sentence, or the end of one after the label (lower case).
        text = str(ctx["error"])
        return f"{label} {text.rstrip('.')}." if text[:1].islower() else text
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return f"{label} is required."
    if kind == "string_too_long":
        size = f" (it has {len(given)})" if isinstance(given, str) else ""
        return f"{label} must be at most {ctx['max_length']} characters{size}."
    if kind in ("unstorable_text", "control_character"):
        return f"{label} {error['msg']}; remove it."
    if kind == "line_break":
        return f"{label} {LINE_BREAK_PROBLEM}."
    if kind == "too_long":
        return f"{label} may have at most {ctx['max_length']} entries."
    if kind == "too_short":
        return f"Choose at least {ctx.get('min_length', 1)} for {label.lower()}."
    simple = {
        "string_too_short": f"{label} must be at least {ctx.get('min_length')} characters.",
        "string_type": f"{label} must be text.",
        "int_parsing": f"{label} must be a whole number.",
        "int_type": f"{label} must be a whole number.",
        "int_from_float": f"{label} must be a whole number.",
        "finite_number": f"{label} must be a finite number such as 12.50.",
        "float_parsing": f"{label} must be a number such as 12.50.",
        "float_type": f"{label} must be a number such as 12.50.",
        "string_pattern_mismatch": f"{label} is not in the expected format.",
        "decimal_parsing": f"{label} must be a number such as 12.50.",
        "decimal_type": f"{label} must be a number such as 12.50.",
        "decimal_max_places": f"{label} must have at most {ctx.get('decimal_places')} decimal places.",
        "decimal_max_digits": f"{label} is too large.",
        "decimal_whole_digits": f"{label} is too large.",
        "greater_than_equal": f"{label} must be at least {ctx.get('ge')}.",
        "greater_than": f"{label} must be more than {ctx.get('gt')}.",
        "less_than_equal": f"{label} must be at most {ctx.get('le')}.",
        "less_than": f"{label} must be less than {ctx.get('lt')}.",
        "datetime_parsing": f"{label} must be a date and time such as 2026-12-01 14:30.",
        "datetime_from_date_parsing": f"{label} must be a date and time such as 2026-12-01 14:30.",
        "datetime_type": f"{label} must be a date and time such as 2026-12-01 14:30.",
        "date_parsing": f"{label} must be a date such as 2026-12-01.",
        "date_from_datetime_parsing": f"{label} must be a date such as 2026-12-01.",
        "date_type": f"{label} must be a date such as 2026-12-01.",
        "bool_parsing": f"{label} must be yes or no.",
        "bool_type": f"{label} must be yes or no.",
        "literal_error": f"{label} must be {ctx.get('expected')}.",
        "enum": f"{label} must be {ctx.get('expected')}.",
        "list_type": f"{label} must be a list.",
        "dict_type": f"{label} must be a set of named values.",
        "string_unicode": f"{label} contains characters that cannot be saved (unpaired surrogates).",
        "extra_forbidden": f"{label} is not a field of this form.",
    }
    if kind in simple:
        return simple[kind]
    return f"{label}: {error.get('msg', 'invalid value')}."


def failure_from(model: type[BaseModel], exc: ValidationError) -> ValidationFailed:
    """Every error of ``exc`` as one :class:`ValidationFailed` (first error per field kept)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        key = field_key(loc) or "__form__"
        errors.setdefault(key, sentence(field_label(model, loc), error))
    return ValidationFailed.many(errors)


def parse_input(
    model: type[M], data: M | Mapping[str, Any], context: Mapping[str, Any] | None = None
) -> M:
    """Validate ``data`` as ``model`` with ``context``; raise :class:`ValidationFailed` with all errors.

    A model instance is validated again (the context may add rules its constructor could not
    check, such as "not in the past" or the configured phone region).
    """
    raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    try:
        return model.model_validate(raw, context=dict(context or {}))
    except ValidationError as exc:
        raise failure_from(model, exc) from None


def merge_failures(*parts: Mapping[str, str]) -> None:
    """Raise one :class:`ValidationFailed` with the errors of every part, if there are any."""
    errors: dict[str, str] = {}
    for part in parts:
        for key, message in part.items():
            errors.setdefault(key, message)
    if errors:
        raise ValidationFailed.many(errors)
