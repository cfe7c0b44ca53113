"""Text and phone normalisation shared by storage, search and seeding (pure functions)."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

import phonenumbers


def fold(value: str | None) -> str:
    """Case- and accent-folded form used for matching: ``"María"`` → ``"maria"``.

    NFKD, combining marks removed, casefolded, whitespace collapsed. Both database engines store
    and query this shadow form, so they agree on what matches.
    """
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def canon_number(value: str | None) -> str:
    """Canonical form of a business number (customer, account, case…): trimmed, upper case."""
    return (value or "").strip().upper()


def canon_id(value: str | None) -> str:
    """Canonical form of an identity document number: its letters and digits only, upper case
    (``"ab 12-34.56"`` → ``"AB123456"``), so spaces, dashes and case never decide a match."""
    return "".join(ch for ch in (value or "") if ch.isalnum()).upper()


@lru_cache(maxsize=4096)
def to_e164(raw: str | None, region: str = "CY") -> str | None:
    """The E.164 form of ``raw`` read in ``region``, or ``None`` when it is not a phone number.

    ``"99 123456"``, ``"+357 99123456"`` and ``"0035799123456"`` all give ``"+35799123456"``
    for region CY.
    """
    if not raw or not any(ch.isdigit() for ch in raw):
        return None
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _visible(ch: str) -> str:
    code = ord(ch)
    return (
        f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    )


def inert(value: object) -> str:
    """``value`` as plain text safe for a terminal: every character a terminal could act on made
    visible (``"\\x1b"``, ``"\\u202e"``).

    The one sanitiser for text from outside (CTI events, imported files, the database): C0 and
    C1 controls, DEL, bidi overrides and isolates, line/paragraph separators and every other
    non-printable character. Idempotent; printable text (markup brackets included) is unchanged.
    """
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else _visible(ch) for ch in text)


def inert_lines(value: object) -> str:
    """:func:`inert`, keeping line breaks (message bodies, previews)."""
    return "\n".join(inert(line) for line in ("" if value is None else str(value)).split("\n"))


#: What ``json.dumps(..., ensure_ascii=False)`` leaves raw but a terminal acts on: DEL, C1
#: controls, bidi marks/overrides/isolates, line and paragraph separators.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufeff]"
)


def json_line(value: object) -> str:
    """``value`` as one line of JSON (UTF-8 kept) that is safe to print to a terminal.

    ``json.dumps`` already escapes C0 controls; this escapes the rest as ``\\uXXXX`` too (they
    can only occur inside JSON strings, where the escape means the same character).
    """
    text = json.dumps(value, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def storable(value: str) -> bool:
    """Whether a database text column can hold ``value`` (no NUL, no unpaired surrogates)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def quoted(value: object, most: int = 40) -> str:
    """``value`` for an error sentence: inert, on one line, at most ``most`` characters (+ "…")."""
    text = inert(value)
    return text if len(text) <= most else text[:most].rstrip() + "…"
