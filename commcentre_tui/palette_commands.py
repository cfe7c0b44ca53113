"""The palette's commands beyond Textual's own: the Action Panel and every offered action, bulk
notify, calls, the Audit Trail, templates, My Work, the Wallboard, Reports, unmatched incoming messages,
export and notifications. Each provider is imported when the palette opens, not at start-up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen


def console_commands(app: Any, screen: Screen[Any]) -> Iterable[SystemCommand]:
    """Every provider's commands, in the palette's order."""
    from commcentre_tui.controllers.cti import call_commands
    from commcentre_tui.screens.actions.wiring import action_commands
    from commcentre_tui.screens.comms.bulk import notify_commands

    yield from action_commands(app)
    yield from notify_commands(app)
    yield from call_commands(app)
    from commcentre_tui.screens.audit import audit_commands

    yield from audit_commands(app)
    from commcentre_tui.screens.templates import templates_commands

    yield from templates_commands(app)
    from commcentre_tui.screens.my_work import my_work_commands

    yield from my_work_commands(app)
    from commcentre_tui.screens.wallboard import wallboard_commands

    yield from wallboard_commands(app)
    from commcentre_tui.screens.reports import reports_commands

    yield from reports_commands(app)
    from commcentre_tui.screens.unmatched import unmatched_commands

    yield from unmatched_commands(app)
    from commcentre_tui.controllers.export_results import export_commands

    yield from export_commands(app, screen)
    from commcentre_tui.screens.notifications import notifications_commands

    yield from notifications_commands(app)
