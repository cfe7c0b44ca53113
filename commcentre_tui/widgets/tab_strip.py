"""The customer view's tab strip: one line, one widget.

Textual's ``TabbedContent`` draws its tabs as a row of widgets with a sliding underline on a
second line; switching tabs restyles two of them and moves the underline, and all of them are
drawn again with the new tab. This strip is a single line of text (a row more for the tab's
data at 80×24) and switching only repaints that line. The active tab is shown in reverse bold
with markers around it, never by colour alone. A click on a tab's label selects it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

#: Columns between two labels (each label already has a space or a marker on either side).
GAP = 0


class TabStrip(Widget):
    """Tab labels in a row; ``active`` is the id of the selected one."""

    COMPONENT_CLASSES = {"tab-strip--active"}

    DEFAULT_CSS = """
    TabStrip { height: 1; width: 1fr; }
    TabStrip > .tab-strip--active { text-style: bold reverse; }
    """

    active: reactive[str] = reactive("", layout=False)

    @dataclass
    class Clicked(Message):
        """The agent clicked the label of tab ``tab_id``."""

        strip: TabStrip
        tab_id: str

        @property
        def control(self) -> TabStrip:
            return self.strip

    def __init__(
        self, tabs: Sequence[tuple[str, str]], *, active: str = "", **kwargs: object
    ) -> None:
        """``tabs``: (id, label) in display order; the first is active unless ``active``."""
        super().__init__(**kwargs)  # type: ignore[arg-type]  # forwards Textual's own widget keywords unchanged
        self._tabs = list(tabs)
        self.set_reactive(TabStrip.active, active or self._tabs[0][0])

    def render(self) -> Text:
        active_style = self.get_component_rich_style("tab-strip--active", partial=True)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for index, (tab_id, label) in enumerate(self._tabs):
            if index:
                text.append(" " * GAP)
            if tab_id == self.active:
                text.append(f"▸{label}◂", style=active_style)
            else:
                text.append(f" {label} ")
        return text

    def tab_at(self, x: int) -> str | None:
        """The id of the tab whose label covers column ``x`` (0 = the strip's first column)."""
        start = 0
        for tab_id, label in self._tabs:
            end = start + len(label) + 2
            if start <= x < end:
                return tab_id
            start = end + GAP
        return None

    def on_click(self, event: events.Click) -> None:
        event.stop()
        tab_id = self.tab_at(event.x - self.gutter.left)
        if tab_id is not None:
            self.post_message(self.Clicked(self, tab_id))
