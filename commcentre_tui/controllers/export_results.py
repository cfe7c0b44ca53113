"""The palette entry "Export results": the current search, every match, to a CSV file.

Offered on the console screen once a search has run, to roles with the ``export`` flag, when an
export folder is set (``[ui] export_folder``; off over SSH unless the administrator set one).
The file is written in a thread worker; the notification says where it went.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.screens.console import ConsoleScreen


def export_commands(app: CommCentreApp, screen: ConsoleScreen) -> Iterable[SystemCommand]:
    """Export the results on the console screen, for an agent allowed to."""
    from textual.css.query import NoMatches

    from commcentre_tui.services.exporting import export_allowed

    if not export_allowed(app.actor, app.settings):
        return
    try:
        results = screen.results
    except NoMatches:  # the results view is not there (yet)
        return
    conditions = results.conditions
    if not conditions:
        return
    yield SystemCommand(
        "Export results",
        "Write every match of the current search to a CSV file in your export folder",
        lambda: start_export(app, tuple(conditions), results.mode),
    )


def start_export(app: CommCentreApp, conditions: tuple[Any, ...], mode: str) -> None:
    from commcentre_tui.services.context import ServiceContext
    from commcentre_tui.services.exporting import export_results
    from commcentre_tui.support.loading import fetch

    gateway = app.gateway
    ctx = ServiceContext(gateway.engine, gateway.settings, gateway.actor)

    def done(result: Any) -> None:
        rows = f"{result.rows:,} customer{'s' if result.rows != 1 else ''}"
        app.notify(f"Exported {rows} to {result.path}.", title="Export results")

    app.notify("Exporting the results …", title="Export results")
    fetch(
        app.screen,
        lambda: export_results(ctx, conditions, mode),
        done,
        group="export-results",
        what="export the results",
    )
