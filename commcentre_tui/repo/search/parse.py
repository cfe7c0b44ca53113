"""Search input → predicates: field checks, the Like rules, normalisation and "Any" routing.

Pure Python (no database). A :class:`Pred` says which field, which kind of match (``exact``,
``prefix``, ``suffix``, ``contains`` or ``none``) and the normalised term, folded or canonicalised
exactly the way the stored shadow column was, so SQL and :meth:`Pred.test` agree.

Like rules: a ``%`` is a wildcard only as the very first or very last character of the value
(``%ria`` ends with, ``Ma%`` and ``Mar`` start with, ``%ari%`` contains); every other character,
``_``, an inner ``%``, quotes and backslashes included, is literal. "Ends with" and
"contains" need three characters once normalised (:data:`MIN_INSIDE`); shorter ones are refused
with one sentence (:data:`TOO_SHORT`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import phonenumbers

from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.search.fields import ANY_FIELD, FIELD, Shape, names, routes
from commcentre_tui.text import canon_id, canon_number, fold, quoted, to_e164

Kind = Literal["exact", "prefix", "suffix", "contains", "none"]
OPERATORS = ("=", "like")

#: No stored search column is anywhere near this long: longer terms simply match nothing.
MAX_TERM = 1000
#: "Ends with" and "contains" need this many characters (after normalisation): the trigram
#: indexes find nothing shorter, so a shorter term would read every row.
MIN_INSIDE = 3
#: The sentence for a shorter one (the console shows it beside the value, the CLI on stderr).
TOO_SHORT = (
    "Ends with (%ria) and contains (%ari%) need at least three characters; "
    "starts with (Ma) takes any."
)

#: The text normalisers by name (``phone`` is read in a region: see :func:`make_pred`).
NORMALISE = {"fold": fold, "number": canon_number, "id": canon_id}
#: "Any" routing: per shape of value, the fields tried (from each field's ``any_shapes``).
ANY_ROUTES: dict[Shape, tuple[str, ...]] = routes()
_PHONE_SHAPE = re.compile(r"\+?[\d\s\-().]+")
_NUMBER_SHAPE = re.compile(r"[A-Za-z]{1,4}-?\d{3,}")
_PHONE_NOISE = re.compile(r"[\s\-().]")


@dataclass(frozen=True)
class Pred:
    """One field compared one way with a normalised term."""

    field: str
    kind: Kind
    term: str = ""

    def test(self, stored: str | None) -> bool:
        """Whether the stored (normalised) value matches: the Python twin of the SQL."""
        if stored is None or self.kind == "none":
            return False
        if self.kind == "exact":
            return stored == self.term
        if self.kind == "prefix":
            return stored.startswith(self.term)
        if self.kind == "suffix":
            return stored.endswith(self.term)
        return self.term in stored


@dataclass(frozen=True)
class Clause:
    """Predicates of which at least one must hold (one for a field, several for "Any")."""

    preds: tuple[Pred, ...]


def known_fields() -> list[str]:
    """Every search field name."""
    return names()


def like_parts(value: str) -> tuple[bool, bool, str]:
    """``(leading %, trailing %, literal core)`` of a Like value (already stripped)."""
    leading = value.startswith("%")
    trailing = len(value) > 1 and value.endswith("%")
    core = value[1 if leading else 0 : len(value) - 1 if trailing else len(value)]
    return leading, trailing, core


def like_kind(leading: bool, trailing: bool) -> Kind:
    """The kind of match the wildcards ask for (no ``%`` at all means "starts with")."""
    if leading and trailing:
        return "contains"
    return "suffix" if leading else "prefix"


def _usable(term: str) -> bool:
    """Terms no database column can hold (NUL, lone surrogates, absurd length) match nothing."""
    if not term or len(term) > MAX_TERM or "\x00" in term:
        return False
    try:
        term.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def phone_like_term(core: str, kind: Kind, region: str) -> str:
    """The E.164-side term of a Like on phones: noise removed; a prefix gets the country code."""
    digits = _PHONE_NOISE.sub("", core)
    if kind != "prefix" or not digits:
        return digits
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        return digits
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    national = meta.national_prefix if meta is not None else None
    if national and digits.startswith(national):
        digits = digits[len(national) :]
    return f"+{phonenumbers.country_code_for_region(region)}{digits}"


def make_pred(field: str, op: str, value: str, region: str) -> Pred:
    """The predicate for ``field op value`` (``value`` already stripped and non-empty)."""
    norm = FIELD[field].normaliser
    if op == "=":
        kind: Kind = "exact"
        core = value
    else:
        kind = like_kind(*like_parts(value)[:2])
        core = like_parts(value)[2]
    if norm != "phone":
        term = NORMALISE[norm](core)
    elif kind == "exact":
        term = to_e164(core, region) or ""
    else:
        term = phone_like_term(core, kind, region)
    pred = Pred(field, kind, term)
    # (a short one is kept as it is: parse_conditions refuses it, whatever its characters)
    return pred if _usable(term) or too_short(pred) else Pred(field, "none")


def shapes_of(core: str) -> list[Shape]:
    """The shapes ``core`` has, in the order "Any" tries them (every value may be a name)."""
    shapes: list[Shape] = []
    if "@" in core:
        shapes.append("email")
    if _PHONE_SHAPE.fullmatch(core) and sum(ch.isdigit() for ch in core) >= 3:
        shapes.append("phone")
    if _NUMBER_SHAPE.fullmatch(core):
        shapes.append("number")
    shapes.append("name")
    return shapes


def route_any(value: str, op: str, enabled: Iterable[str], region: str) -> Clause:
    """The clause "Any" stands for: the value's shape picks phone, email, number or names."""
    core = like_parts(value)[2].strip() if op == "like" else value
    allowed = set(enabled)
    for shape in shapes_of(core):
        chosen = [f for f in ANY_ROUTES[shape] if f in allowed]
        if chosen:
            return Clause(tuple(make_pred(f, op, value, region) for f in chosen))
    raise ValidationFailed("No enabled search field fits this value; enable a name field.", "field")


def check_field(field: str, mode: str, enabled: list[str]) -> None:
    """Refuse unknown or disabled fields with one sentence naming the enabled ones."""
    if field == ANY_FIELD or field in enabled:
        return
    listing = ", ".join(enabled) if enabled else "none"
    if field not in known_fields():
        raise ValidationFailed(
            f"“{quoted(field)}” is not a search field; the fields enabled for {mode} search are: {listing}.",
            "field",
        )
    raise ValidationFailed(
        f"The field “{field}” is not enabled for {mode} search; the enabled fields are: {listing}.",
        "field",
    )


def parse_conditions(
    conditions: Iterable[object], mode: str, enabled: list[str], default_op: str, region: str
) -> list[Clause]:
    """Validate ``Condition``s and turn each into a :class:`Clause` (raises ValidationFailed)."""
    items = list(conditions)
    if mode not in ("quick", "advanced"):
        raise ValidationFailed(
            f"The search mode “{quoted(mode)}” is unknown; use quick or advanced.", "mode"
        )
    if mode == "quick" and len(items) != 1:
        raise ValidationFailed("Quick search takes exactly one field and one value.", "value")
    if not items:
        raise ValidationFailed("Add at least one condition to search with.", "value")
    clauses: list[Clause] = []
    for cond in items:
        field = str(getattr(cond, "field", "") or ANY_FIELD).strip().lower()
        op = str(getattr(cond, "op", "") or default_op).strip().lower()
        value = str(getattr(cond, "value", "") or "").strip()
        check_field(field, mode, enabled)
        if op not in OPERATORS:
            raise ValidationFailed(
                f"The operator “{quoted(op)}” is not supported; use = or like.", "op"
            )
        if not value or (op == "like" and not like_parts(value)[2].strip()):
            raise ValidationFailed("Type a value to search for.", "value")
        if field == ANY_FIELD:
            clause = route_any(value, op, enabled, region)
        else:
            clause = Clause((make_pred(field, op, value, region),))
        if any(too_short(q) for q in clause.preds):
            raise ValidationFailed(TOO_SHORT, "value")
        clauses.append(clause)
    return clauses


def too_short(pred: Pred) -> bool:
    """Whether ``pred`` is an "ends with" or "contains" shorter than :data:`MIN_INSIDE`."""
    return pred.kind in ("suffix", "contains") and 0 < len(pred.term) < MIN_INSIDE


def short_inside(field: str, op: str, value: str, region: str) -> str | None:
    """:data:`TOO_SHORT` when ``field op value`` is an "ends with" or "contains" under three
    characters, else ``None`` (a form checks a condition with it before searching)."""
    value, op = value.strip(), op.strip().lower()
    if op != "like" or not like_parts(value)[2].strip():
        return None
    if field == ANY_FIELD:
        clause = route_any(value, op, names(), region)
    elif field in FIELD:
        clause = Clause((make_pred(field, op, value, region),))
    else:
        return None
    return TOO_SHORT if any(too_short(q) for q in clause.preds) else None
