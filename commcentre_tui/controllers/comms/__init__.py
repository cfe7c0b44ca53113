"""The console side of communications: the communication form (Create a Communication,
completing a draft, Follow Up, Communicate Bill), autosave and restore, and the embedded
delivery worker.

What the app calls (all from the UI loop):

- :func:`~commcentre_tui.screens.comms.register.register_openers` once at start: the Action
  Panel opens these screens;
- :func:`offer_unsaved_drafts` on mount: "Restore your unsaved communication?";
- :func:`start_embedded_worker` on mount (does nothing unless ``[worker] embedded``);
- :func:`view_communication` for Enter or ``v`` on a communication: a draft the agent may complete
  opens in the form, anything else read-only; :func:`open_communication` reopens a draft directly;
- :func:`~commcentre_tui.screens.comms.bulk.notify_commands` in the palette: "Notify these
  results" (a template to every customer the shown search found, previewed and confirmed).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Name → the submodule defining it. Imported on first use (PEP 562): the console registers the
#: openers at start without loading the form, the models and the delivery worker with them.
_EXPORTS = {
    "start_embedded_worker": "embedded",
    "stop_embedded_worker": "embedded",
    "wake_embedded_worker": "embedded",
    "offer_unsaved_drafts": "openers",
    "open_communication": "openers",
    "view_communication": "openers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
