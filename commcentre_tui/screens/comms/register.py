"""Registers the communication actions with the Action Panel (``wiring.OPENERS``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commcentre_tui.screens.actions import wiring


def _opener(name: str) -> Callable[..., Any]:
    """``openers.<name>``, imported when the agent first picks the action (the form and the
    models it needs are not loaded at start-up)."""

    def open_(*args: Any, **kwargs: Any) -> Any:
        from commcentre_tui.controllers.comms import openers

        return getattr(openers, name)(*args, **kwargs)

    open_.__name__ = open_.__qualname__ = name
    return open_


OPENERS = {
    "Create a Communication": _opener("open_create"),
    "Complete Draft": _opener("open_complete_draft"),
    "Follow Up": _opener("open_follow_up"),
    "Communicate Bill": _opener("open_communicate_bill"),
}


def register_openers() -> None:
    """Put "Create a Communication", "Complete Draft", "Follow Up" and "Communicate Bill" into
    :data:`commcentre_tui.screens.actions.wiring.OPENERS` (idempotent; call at app start)."""
    wiring.OPENERS.update(OPENERS)
