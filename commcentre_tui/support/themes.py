"""The console's theme: the configured one kept legible, and each agent's own choice remembered
(``[ui] remember_theme``: a small preferences file per agent)."""

from __future__ import annotations

import os
from collections.abc import Container

from commcentre_tui import preferences
from commcentre_tui.config import Settings

FALLBACK = "textual-dark"


def remembered_theme(settings: Settings, username: str) -> str | None:
    """The theme ``username`` chose last time, if any (and if remembering is on)."""
    if not settings.ui.remember_theme:
        return None
    theme = preferences.load(
        preferences.preferences_dir(settings.ui.preferences_dir), username
    ).get("theme")
    return theme if isinstance(theme, str) else None


def remember_theme(settings: Settings, username: str, name: str) -> None:
    """Keep ``name`` as ``username``'s theme for the next start."""
    if settings.ui.remember_theme:
        preferences.save(
            preferences.preferences_dir(settings.ui.preferences_dir), username, theme=name
        )


def pick_theme(wanted: str, available: Container[str]) -> str:
    """``wanted`` if it exists and stays legible: ANSI themes turn black on black under NO_COLOR."""
    if wanted not in available or ("NO_COLOR" in os.environ and "ansi" in wanted):
        return FALLBACK
    return wanted
