"""The Reports screen's chart as Rich ``Text``: one figure per row (or per hour/day/week), drawn
as bars with the number beside each, readable without colour (the bar's length and the number
say it all). Labels come from the database: inert text in ``Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text

from commcentre_tui.text import inert

#: Widest bar (cells): label 20 + bar 40 + number fits 80 columns.
BAR_WIDTH = 40
LABEL_WIDTH = 20


def series(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], keys: int, charted: str
) -> list[tuple[str, int]]:
    """(label, value) of the charted column, summed per label; the label is the first key (the
    grouping), or the row's keys together when there is no grouping. Row order is kept."""
    if charted not in columns:
        return []
    at = list(columns).index(charted)
    width = 1 if keys else 0
    totals: dict[str, int] = {}
    for row in rows:
        label = " · ".join(str(v) for v in row[:width]) if width else "all"
        totals[label] = totals.get(label, 0) + int(row[at] or 0)
    return list(totals.items())


def bars(points: Sequence[tuple[str, int]], limit: int, width: int = BAR_WIDTH) -> Text:
    """Horizontal bars, the ``limit`` largest in their order, the number beside each."""
    text = Text()
    if not points:
        text.append("Nothing in this range.")
        return text
    shown = sorted(points, key=lambda p: -p[1])[:limit]
    keep = {label for label, _ in shown}
    top = max(v for _, v in shown) or 1
    for label, value in points:
        if label not in keep:
            continue
        cells = round(width * value / top)
        text.append(f"{inert(label)[:LABEL_WIDTH]:<{LABEL_WIDTH}} ")
        text.append("█" * cells or "▏", style="cyan")
        text.append(f" {value}\n")
    hidden = len(points) - len(shown)
    if hidden:
        text.append(f"… and {hidden} more in the table", style="dim")
    text.rstrip()
    return text


def caption(points: Sequence[tuple[str, int]], charted: str) -> str:
    """``handled: total 412 · highest 31 (2026-11-04) · 30 points``."""
    if not points:
        return f"{charted}: nothing in this range"
    label, high = max(points, key=lambda p: p[1])
    total = sum(v for _, v in points)
    return (
        f"{charted}: total {total} · highest {high} ({inert(label)}) · lowest "
        f"{min(v for _, v in points)} · {len(points)} points"
    )
