"""The console side of communications: the communication form (Create a Communication,
completing a draft, Follow Up, Communicate Bill), autosave and restore, and the embedded
delivery worker.

What the app calls (all from the UI loop):

- :func:`register_openers` once at start: the Action Panel opens these screens;
- :func:`offer_unsaved_drafts` on mount: "Restore your unsaved communication?";
- :func:`start_embedded_worker` on mount (does nothing unless ``[worker] embedded``);
- :func:`open_communication` to reopen a draft communication (e.g. Enter on it in Customer Care);
- :func:`~commcentre_tui.screens.comms.bulk.notify_commands` in the palette: "Notify these
  results" (a template to every customer the shown search found, previewed and confirmed).
"""

from __future__ import annotations

from commcentre_tui.screens.comms.embedded import (
    start_embedded_worker,
    stop_embedded_worker,
    wake_embedded_worker,
)
from commcentre_tui.screens.comms.openers import offer_unsaved_drafts, open_communication
from commcentre_tui.screens.comms.register import register_openers

__all__ = [
    "offer_unsaved_drafts",
    "open_communication",
    "register_openers",
    "start_embedded_worker",
    "stop_embedded_worker",
    "wake_embedded_worker",
]
