"""Imports every ``specs_*`` module so their forms register themselves."""

from __future__ import annotations

import importlib
import pkgutil

_loaded = False


def load_all() -> None:
    """Import each ``specs_*`` module of this package once."""
    global _loaded
    if _loaded:
        return
    package = importlib.import_module("commcentre_tui.screens.actions")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("specs_") and info.name != "specs_loader":
            importlib.import_module(f"commcentre_tui.screens.actions.{info.name}")
    _loaded = True
