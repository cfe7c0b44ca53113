"""An Input with a length limit that keeps what fits of a long paste, and says so.

Textual's Input refuses a paste that would go over ``max_length`` as a whole, with only a bell:
the agent who pasted a long subject sees nothing happen. Here the paste is cut to the room left
and a notification gives the limit.

Textual dispatches an event to the handler of every class in the MRO, so this handler inserts
the text itself and then stops Input's own ``_on_paste`` (``prevent_default``): otherwise every
paste went in twice.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class BoundedInput(Input):
    """:class:`~textual.widgets.Input` whose over-long pastes are cut to fit, with a sentence."""

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # Input._on_paste must not insert the same text a second time
        if not event.text:
            return
        line = (event.text.splitlines() or [""])[0]
        start, end = sorted(self.selection)
        if self.max_length:
            room = max(self.max_length - (len(self.value) - (end - start)), 0)
            if len(line) > room:
                self.notify(
                    f"Only the first {room:,} characters were kept: this field holds "
                    f"{self.max_length:,}.",
                    severity="warning",
                    markup=False,
                )
                line = line[:room]
        if line or start != end:
            self.replace(line, start, end)
