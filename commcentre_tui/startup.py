"""Start-up speed: no garbage collection while the console's modules load.

Importing Textual, SQLAlchemy and the models creates several hundred thousand long-lived objects;
the collector would walk them again and again while they load (~0.1 s of a cold start). The
command line pauses it for the console and the app resumes it after the first frame, first
freezing what start-up created so later collections skip it.
"""

from __future__ import annotations

import gc

_paused = False


def pause_garbage_collection() -> None:
    """Stop automatic collection until :func:`resume_garbage_collection`."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_garbage_collection() -> None:
    """Undo :func:`pause_garbage_collection` (a no-op when it was not paused)."""
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False
