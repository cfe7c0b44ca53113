"""Connects the Action Panel and the action forms to the console app.

The app calls :func:`open_action_panel` (its Actions key), :func:`run_action` (palette entries)
and :func:`action_commands` (to list the actions in the command palette).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand

from commcentre_tui.actions.offer import OfferedAction, offered_all
from commcentre_tui.actions.registry import BY_NAME
from commcentre_tui.actions.spec import FormData, SaveResult, SecretShown
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.panel import ActionPanel

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

#: Actions served by screens of their own rather than a declarative form: name → app action.
SCREEN_ACTIONS: dict[str, str] = {"Add More Information": "add_more_information"}

#: Extra actions registered at run time (e.g. the communication form): name → opener(app).
OPENERS: dict[str, Callable[[Any, dict[str, Any]], None]] = {}


def _offered(app: CommCentreApp) -> list[OfferedAction]:
    return offered_all(app.settings, app.actor, customer_loaded=app.customer_id is not None)


def open_action_panel(app: CommCentreApp) -> None:
    """Show the Action Panel for the loaded customer (or none) and run the chosen action."""
    header = getattr(app, "customer_label", None)

    def chosen(name: str | None) -> None:
        if name:
            run_action(app, name)

    app.push_screen(ActionPanel(_offered(app), customer=header), chosen)


def run_action(app: CommCentreApp, name: str, extra: dict[str, Any] | None = None) -> None:
    """Open the form for action ``name``, pre-filled with the loaded customer."""
    allowed = {a.name for a in _offered(app)}
    if name not in allowed:
        app.notify(f"“{name}” is not available here.", severity="warning")
        return
    context = {**_context(app), **(extra or {})}
    if name in OPENERS:
        OPENERS[name](app, context)
        return
    if name in SCREEN_ACTIONS:
        # Screen.run_action is a coroutine: the app's loop runs it (called bare it never ran).
        app.call_later(app.console_screen.run_action, SCREEN_ACTIONS[name])
        return
    spec = BY_NAME.get(name)
    if spec is None or not spec.has_form:
        app.notify(f"“{name}” has no form yet.", severity="warning")
        return

    def done(result: SaveResult | None) -> None:
        if isinstance(result, SecretShown):  # a voucher secret: a dialog, not a notice
            from commcentre_tui.dialogs.secret import SecretDialog

            app.push_screen(SecretDialog(result.serial, result.details, result.secret))
        if (
            result is not None
            and result.contact_id is not None
            and result.contact_id != app.customer_id
        ):
            app.load_customer(result.contact_id)

    app.push_for_customer(ActionFormScreen(spec, FormData(app.customer_id, extra=context)), done)


def _context(app: CommCentreApp) -> dict[str, Any]:
    """What the console knows that forms may pre-fill (selected rows, customer number)."""
    provider = getattr(app, "action_context", None)
    return dict(provider()) if callable(provider) else {}


def action_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """Palette entries: "Actions" and each offered action under its seed name."""
    yield SystemCommand("Actions", "Open the Action Panel", lambda: open_action_panel(app))
    for action in _offered(app):
        yield SystemCommand(action.name, f"{action.group} action", _runner(app, action.name))


def _runner(app: CommCentreApp, name: str) -> Callable[[], None]:
    return lambda: run_action(app, name)
