"""The terminal bell for things that need the agent's attention (a ringing call, a due reminder).

The notification says what happened; the bell makes an agent who is looking elsewhere turn
round. ``[ui] bell = false`` silences it (the notification stays).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp


def bell(app: CommCentreApp) -> None:
    """Ring the terminal bell unless ``[ui] bell`` is off (UI loop only)."""
    settings = getattr(app, "settings", None)
    if settings is None or settings.ui.bell:
        app.bell()
