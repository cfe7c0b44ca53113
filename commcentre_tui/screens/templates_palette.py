"""The palette entry "Templates", for roles whose permissions let them edit templates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand

from commcentre_tui.screens.templates import TITLE, TemplatesScreen

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp


def may_edit(actor: Any) -> bool:
    """Whether ``actor``'s role may edit templates (the service checks again)."""
    return bool(actor.may(entity="template", level="edit"))


def templates_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """The palette entry "Templates", for roles that may edit templates."""
    if may_edit(app.actor):
        yield SystemCommand(
            TITLE,
            "Add, edit and deactivate communication templates",
            lambda: app.push_screen(TemplatesScreen()),
        )
