"""The preview of an incoming message: its new text, without the quoted history below it.

The communication keeps the whole text; screens and lists show :func:`preview`.
"""

from __future__ import annotations

import re

#: Lines that start the quoted history of a reply ("On Mon, 1 May 2024, X wrote:",
#: "-----Original Message-----", Outlook's "From: … Sent: …" block).
_HISTORY = re.compile(
    r"^(on .{0,200}wrote:\s*$|-{2,}\s*original message\s*-{2,}|_{10,}\s*$|from:\s.+|"
    r"le .{0,200}a écrit\s*:\s*$|am .{0,200}schrieb .{0,100}:\s*$)",
    re.IGNORECASE,
)


def preview(content: str, most: int = 2000) -> str:
    """``content`` up to its quoted history (``>`` lines and what follows "On … wrote:"),
    at most ``most`` characters; the whole text when trimming would leave nothing."""
    kept: list[str] = []
    for line in content.split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or _HISTORY.match(stripped):
            break
        kept.append(line)
    text = "\n".join(kept).strip() or content.strip()
    return text if len(text) <= most else text[:most].rstrip() + "…"
