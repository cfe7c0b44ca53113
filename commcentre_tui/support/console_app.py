"""The console app as screens, widgets and controllers see it: typed, not ``Any``.

Textual types ``self.app`` as ``App[object]``; :class:`ConsoleAppMixin` adds ``console_app``,
the same object typed as :class:`~commcentre_tui.app.CommCentreApp`. Functions that receive the
app annotate it ``app: CommCentreApp`` under ``TYPE_CHECKING`` (import-linter ignores imports made
only for type checking, so the layers still hold at run time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from commcentre_tui.app import CommCentreApp


class _HasApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


class ConsoleAppMixin:
    """For a screen or widget of the console: ``self.console_app`` is the typed app."""

    @property
    def console_app(self: _HasApp) -> CommCentreApp:
        """The running console app (the same object as ``self.app``)."""
        return cast("CommCentreApp", self.app)
