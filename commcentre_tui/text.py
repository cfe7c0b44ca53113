"""Text and phone normalisation shared by storage, search and seeding (pure functions)."""

from __future__ import annotations

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


def inert(value: object) -> str:
    """``value`` as plain text safe for a terminal: control and escape characters made visible."""
    text = "" if value is None else str(value)
    return "".join(
        ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" if ord(ch) < 256 else "\ufffd"
        for ch in text
    )


def inert_lines(value: object) -> str:
    """:func:`inert`, keeping line breaks (message bodies, previews)."""
    return "\n".join(inert(line) for line in ("" if value is None else str(value)).split("\n"))


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
