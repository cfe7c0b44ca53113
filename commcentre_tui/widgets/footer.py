"""A footer that rebuilds only when the keys it shows actually change.

Textual's ``Footer`` recomposes on every bindings update (each focus change, each
``refresh_bindings``), several times per search or customer load; its restyling then costs more
than the database query. This one coalesces the updates of one refresh into one check, skips
the rebuild when the visible keys are the same as before, otherwise relabels the keys it already
has (hiding the ones not wanted now, adding only keys it never had) instead of recomposing, and
does not leak the keys a recompose drops.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: The command palette's key, docked right; relabelled keys go before it.
PALETTE_CLASS = "-command-palette"

#: The order of the keys, most important first, since at 80 columns the last ones are cut: the
#: keys of the list the cursor is in (Load customer, View …), then these actions in this order,
#: then any other key (a modal screen's own keys keep their order).
KEY_ORDER = (
    "open_actions",
    "dial",
    "back",
    "quick_search",
    "add_more_information",
    "advanced_search",
    "latest_communications",
)


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
            if not await self._relabel():
                await self.recompose()
            self._forget_removed_keys()

    def compose(self) -> Any:
        """Textual's keys in :data:`KEY_ORDER` (its own compose for grouped keys)."""
        wanted = self._wanted() if self._bindings_ready else None
        if wanted is None:
            yield from super().compose()
            return
        palette = [key for key in super().compose() if key.has_class(PALETTE_CLASS)]
        self.styles.grid_size_columns = len(wanted)
        for row in wanted:
            yield self._new_key(*row)
        yield from palette

    def _wanted(self) -> list[tuple[str, str, str, str, bool, str]] | None:
        """The keys to show, first binding per action, in :data:`KEY_ORDER` (``None``: grouped
        keys, left to Textual's compose)."""
        rows: dict[str, tuple[int, tuple[str, str, str, str, bool, str]]] = {}
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show:
                continue
            if binding.group is not None:
                return None
            in_list = not isinstance(node, Screen | App)
            rank = (
                0
                if in_list
                else 1
                + (
                    KEY_ORDER.index(binding.action)
                    if binding.action in KEY_ORDER
                    else len(KEY_ORDER)
                )
            )
            rows.setdefault(
                binding.action,
                (
                    rank,
                    (
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        not enabled,
                        tooltip,
                    ),
                ),
            )
        return [row for _rank, row in sorted(rows.values(), key=lambda r: r[0])]

    async def _relabel(self) -> bool:
        """Update the shown keys in place; ``False`` when a full recompose is needed.

        Keys no longer wanted are hidden, not removed, and shown again when wanted: mounting a
        key costs more than relabelling one, and the console's screens (search bar, results,
        customer tabs) each want a different number of keys.
        """
        wanted = self._wanted()
        children = list(self.children)
        if wanted is None or not children or not all(isinstance(c, FooterKey) for c in children):
            return False
        palette = [c for c in children if c.has_class(PALETTE_CLASS)]
        keys = [
            c for c in children if isinstance(c, FooterKey) and not c.has_class(PALETTE_CLASS)
        ]  # all are (checked above)
        with self.app.batch_update():
            for widget, row in zip(keys, wanted, strict=False):
                self._set_key(widget, *row)
                widget.display = True
            for widget in keys[len(wanted) :]:
                widget.display = False
            extra = [self._new_key(*row) for row in wanted[len(keys) :]]
            if extra:
                await self.mount(*extra, before=palette[0] if palette else None)
            self.styles.grid_size_columns = len(wanted)
        return True

    @staticmethod
    def _set_key(
        widget: FooterKey,
        key: str,
        display: str,
        description: str,
        action: str,
        disabled: bool,
        tooltip: str,
    ) -> None:
        shown = (
            widget.key,
            widget.key_display,
            widget.description,
            widget.action,
            widget._disabled,
            widget.tooltip,
        )
        if shown == (key, display, description, action, disabled, tooltip or None):
            return  # unchanged: no repaint
        widget.key, widget.key_display, widget.description, widget.action = (
            key,
            display,
            description,
            action,
        )
        widget._disabled = disabled
        widget.set_class(disabled, "-disabled")
        widget.tooltip = tooltip or None
        widget.refresh(layout=True)

    def _new_key(
        self, key: str, display: str, description: str, action: str, disabled: bool, tooltip: str
    ) -> FooterKey:
        widget = FooterKey(key, display, description, action, disabled=disabled, tooltip=tooltip)
        widget.compact = self.compact
        return widget

    def _forget_removed_keys(self) -> None:
        """Drop the data-binding watchers of keys a rebuild removed.

        Each ``FooterKey`` is data-bound to ``Footer.compact``; Textual keeps the watcher (and
        with it the removed widget) until ``compact`` changes, which it never does here. Without
        this every rebuild would leak its keys, and the growing heap makes garbage collection
        pauses of 100 ms and more after a few hundred customer loads.
        """
        watchers: dict[str, list[tuple[Any, Any]]] | None = getattr(self, "__watchers", None)
        for name, entries in (watchers or {}).items():
            watchers[name] = [  # type: ignore[index]  # Textual's private watcher map exists once the node is mounted
                (node, callback) for node, callback in entries if getattr(node, "is_attached", True)
            ]
