"""SMS length rules: GSM 03.38 (7-bit) or UCS-2 encoding, and how many segments a text needs.

A single SMS carries 160 GSM characters (70 when any character needs UCS-2, e.g. Greek lower
case or emoji); a longer text is split into parts of 153 (GSM) or 67 (UCS-2). The GSM extension
characters ``^{}\\[~]|€`` take two places.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsCount:
    """What the form shows live under an SMS: characters, the limit, encoding and segments."""

    characters: int
    max_length: int
    encoding: str
    """``GSM-7`` or ``UCS-2``."""
    segments: int
    per_segment: int

    @property
    def remaining(self) -> int:
        return self.max_length - self.characters

    @property
    def too_long(self) -> bool:
        return self.characters > self.max_length

    def label(self) -> str:
        """``"45/160 · 1 SMS"`` for the status line under the field."""
        parts = f"{self.segments} SMS" if self.segments != 1 else "1 SMS"
        extra = " (UCS-2)" if self.encoding == "UCS-2" else ""
        return f"{self.characters}/{self.max_length} · {parts}{extra}"


def sms_count(text: str, max_length: int = 160) -> SmsCount:
    """Count ``text`` as an SMS: ``sms_count("Hello")`` → 5 characters, 1 GSM-7 segment."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        segments, per = (1 if units else 0), single
    else:
        segments, per = -(-units // multi), multi
    return SmsCount(
        characters=len(text),
        max_length=max_length,
        encoding=encoding,
        segments=segments,
        per_segment=per,
    )
