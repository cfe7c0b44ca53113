"""Driving the console with keys only, as an agent does: type text, Tab to a field, pick a
drop-down entry with the arrow keys, move a table's cursor to a record. Each helper presses keys
and waits for the console to settle; none sets a widget's value directly. A helper that cannot
get where it is asked to go fails with what it found instead."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Select

from tests.console_comms.conftest import settle

#: The most keys a helper presses looking for a field, an option or a row.
MAX_STEPS = 40


def keys(text: str) -> list[str]:
    """The key presses that type ``text``."""
    return ["space" if ch == " " else ch for ch in text]


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` into the focused field, key by key."""
    await pilot.press(*keys(text))
    await settle(pilot)


async def press(pilot: Pilot[Any], *names: str) -> None:
    """Press keys, then let the console settle."""
    await pilot.press(*names)
    await settle(pilot)


def focused_id(pilot: Pilot[Any]) -> str | None:
    focused = pilot.app.focused
    return focused.id if focused is not None else None


async def tab_to(pilot: Pilot[Any], widget_id: str, *, back: bool = False) -> None:
    """Tab (or Shift+Tab) until the widget ``#widget_id`` has the focus."""
    seen = []
    for _ in range(MAX_STEPS):
        if focused_id(pilot) == widget_id:
            return
        seen.append(focused_id(pilot))
        await pilot.press("shift+tab" if back else "tab")
    await settle(pilot)
    assert focused_id(pilot) == widget_id, f"Tab never reached #{widget_id}; it went {seen}"


async def pick(pilot: Pilot[Any], label: str) -> None:
    """In the focused drop-down: Enter opens it, arrows move to the entry ``label``, Enter takes it."""
    select = pilot.app.focused
    assert isinstance(select, Select), f"the focus is on {select!r}, not a drop-down"
    await pilot.press("enter")
    await settle(pilot)
    overlay = select.query_one("SelectOverlay")
    labels = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
    assert label in labels, f"{label!r} is not offered: {labels}"
    target = labels.index(label)
    current = overlay.highlighted or 0
    await pilot.press(
        *(["down"] * (target - current) if target >= current else ["up"] * (current - target))
    )
    await press(pilot, "enter")
    chosen = select._options[target][1]
    assert select.value == chosen, f"{label!r} was not taken: the value is {select.value!r}"


async def cursor_to(pilot: Pilot[Any], table: Any, record_id: int) -> None:
    """Move the focused table's cursor (Home, then Down) to the row of record ``record_id``."""
    assert pilot.app.focused is table, f"the focus is on {pilot.app.focused!r}, not the table"
    await pilot.press("home")
    for _ in range(min(table.row_count, MAX_STEPS)):
        ref = table.current_ref
        if ref is not None and ref.id == record_id:
            return
        await pilot.press("down")
    ref = table.current_ref
    assert ref is not None and ref.id == record_id, f"record {record_id} is not in the table"
