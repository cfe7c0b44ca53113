"""Every CTI notification goes through :func:`tell`: plain text (never markup), inert.

A caller id, a PBX's reason or a bridge's error is text from outside; the sources already make
control characters visible where it enters (:func:`commcentre_tui.text.inert`), and this is
the second line of defence for whatever a sentence quotes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commcentre_tui.text import inert

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp


def tell(
    app: CommCentreApp, message: str, *, title: str = "", keep: bool = False, **options: Any
) -> None:
    """``app.notify`` with ``message`` and ``title`` as inert plain text (``markup=False``).

    ``keep``: something the agent must read (a missed call, telephony lost): it also stays in the
    notifications list until acknowledged (:func:`commcentre_tui.screens.notifications.keep`).
    """
    if keep:
        app.keep_notification(inert(message), title=inert(title), **options)
        return
    app.notify(inert(message), title=inert(title), markup=False, **options)
