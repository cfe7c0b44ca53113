"""A footer that rebuilds only when the keys it shows actually change.

Textual's ``Footer`` recomposes on every bindings update (each focus change, each
``refresh_bindings``), several times per search or customer load; its restyling then costs more
than the database query. This one coalesces the updates of one refresh into one check, skips
the rebuild when the visible keys are the same as before, and does not leak the keys it drops.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class ConsoleFooter(Footer):
    """``Footer`` with coalesced, change-only rebuilds."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pending = False
        self._shown: tuple[Any, ...] | None = None

    def _signature(self) -> tuple[Any, ...]:
        return tuple(
            (key, binding.action, binding.description, enabled, self.app.get_key_display(binding))
            for key, (_node, binding, enabled, _tip) in self.screen.active_bindings.items()
            if binding.show or key == self.app.COMMAND_PALETTE_BINDING
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        signature = self._signature()
        if signature != self._shown:
            self._shown = signature
            await self.recompose()
            self._forget_removed_keys()

    def _forget_removed_keys(self) -> None:
        """Drop the data-binding watchers of keys a rebuild removed.

        Each ``FooterKey`` is data-bound to ``Footer.compact``; Textual keeps the watcher (and
        with it the removed widget) until ``compact`` changes, which it never does here. Without
        this every rebuild would leak its keys, and the growing heap makes garbage collection
        pauses of 100 ms and more after a few hundred customer loads.
        """
        watchers: dict[str, list[tuple[Any, Any]]] | None = getattr(self, "__watchers", None)
        for name, entries in (watchers or {}).items():
            watchers[name] = [(node, callback) for node, callback in entries  # type: ignore[index]
                              if getattr(node, "is_attached", True)]
