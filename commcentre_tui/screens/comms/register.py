"""Registers the communication actions with the Action Panel (``wiring.OPENERS``)."""

from __future__ import annotations

from commcentre_tui.screens.actions import wiring
from commcentre_tui.screens.comms.openers import open_communicate_bill, open_create, open_follow_up

OPENERS = {
    "Create a Communication": open_create,
    "Follow Up": open_follow_up,
    "Communicate Bill": open_communicate_bill,
}


def register_openers() -> None:
    """Put "Create a Communication", "Follow Up" and "Communicate Bill" into
    :data:`commcentre_tui.screens.actions.wiring.OPENERS` (idempotent; call at app start)."""
    wiring.OPENERS.update(OPENERS)
