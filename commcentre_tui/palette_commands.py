"""The palette's commands beyond Textual's own: the Action Panel and every offered action, bulk
notify, calls, the Audit Trail, templates, My Work, the Wallboard, Reports, watching an agent,
unmatched incoming messages, export and notifications. Each provider is imported when the palette opens, not at start-up."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.screens.console import ConsoleScreen

#: Palette command title → (help, console action). The seed's own words.
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "Quick Search": ("Put the cursor in the search bar", "quick_search", False),
    "Advanced Search": ("Search with several conditions", "advanced_search", False),
    "Latest Communications": (
        "Your own most recent communications",
        "latest_communications",
        False,
    ),
    "Dashboard": ("The loaded customer's overview", "show_tab('dashboard')", True),
    "Subscriptions": ("The loaded customer's subscriptions", "show_tab('subscriptions')", True),
    "Financials": ("Accounts and financial transactions", "show_tab('financials')", True),
    "Customer Care": ("Care records and communications", "show_tab('care')", True),
    "Rewards": ("Reward transactions", "show_tab('rewards')", True),
    "Add More Information": ("Edit phones, emails and addresses", "add_more_information", True),
    "Reload Customer": ("Read the loaded customer again", "reload_customer", True),
    "Close Customer": (
        "Close the loaded customer and go back to the search",
        "close_customer",
        True,
    ),
}


def view_commands(screen: ConsoleScreen) -> Iterable[SystemCommand]:
    """The console screen's own commands (:data:`COMMANDS`); those about the loaded customer
    only while one is loaded."""
    loaded = screen.loaded_customer is not None
    for title, (help_text, action, needs_customer) in COMMANDS.items():
        if not needs_customer or loaded:
            yield SystemCommand(title, help_text, _runner(screen, action))


def _runner(screen: Screen[Any], action: str) -> Callable[[], Any]:
    return lambda: screen.call_later(screen.run_action, action)


def console_commands(app: CommCentreApp, screen: Screen[Any]) -> Iterable[SystemCommand]:
    """Every provider's commands, in the palette's order."""
    from commcentre_tui.controllers.cti import call_commands
    from commcentre_tui.screens.actions.wiring import action_commands
    from commcentre_tui.screens.comms.bulk import notify_commands

    yield from action_commands(app)
    yield from notify_commands(app)
    yield from call_commands(app)
    from commcentre_tui.screens.audit import audit_commands

    yield from audit_commands(app)
    from commcentre_tui.screens.templates_palette import templates_commands

    yield from templates_commands(app)
    from commcentre_tui.screens.my_work import my_work_commands

    yield from my_work_commands(app)
    from commcentre_tui.screens.wallboard import wallboard_commands

    yield from wallboard_commands(app)
    from commcentre_tui.screens.watch_agent import watch_commands

    yield from watch_commands(app)
    from commcentre_tui.screens.reports import reports_commands

    yield from reports_commands(app)
    from commcentre_tui.screens.unmatched import unmatched_commands

    yield from unmatched_commands(app)
    from commcentre_tui.controllers.export_results import export_commands
    from commcentre_tui.screens.console import ConsoleScreen

    if isinstance(screen, ConsoleScreen):
        yield from export_commands(app, screen)
    from commcentre_tui.screens.notifications import notifications_commands

    yield from notifications_commands(app)
