"""An Input with a length limit that keeps what fits of a long paste, and says so.

Textual's Input refuses a paste that would go over ``max_length`` as a whole, with only a bell:
the agent who pasted a long subject sees nothing happen. Here the paste is cut to the room left
and a notification gives the limit.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class BoundedInput(Input):
    """:class:`~textual.widgets.Input` whose over-long pastes are cut to fit, with a sentence."""

    def _on_paste(self, event: events.Paste) -> None:
        if self.max_length and event.text:
            line = event.text.splitlines()[0]
            start, end = sorted(self.selection)
            room = max(self.max_length - (len(self.value) - (end - start)), 0)
            if len(line) > room:
                event.stop()
                self.notify(f"Only the first {room:,} characters were pasted: this field holds "
                            f"{self.max_length:,}.", severity="warning", markup=False)
                super()._on_paste(events.Paste(line[:room]))
                return
        super()._on_paste(event)
