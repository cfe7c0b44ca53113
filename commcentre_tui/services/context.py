"""What every service call needs: the engine, the settings and who is acting."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.repo.permissions import Actor


@dataclass(frozen=True)
class ServiceContext:
    """Passed to every service function; never built at import time."""

    engine: Engine
    settings: Settings
    actor: Actor
