"""Fixtures of the finance service tests: a service context and a small catalogue."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.context import ServiceContext

from . import factories as f


@pytest.fixture
def ctx(engine: Engine, settings: Settings, admin_actor: Actor) -> ServiceContext:
    """An admin acting on a fresh database."""
    return ServiceContext(engine=engine, settings=settings, actor=admin_actor)


@pytest.fixture
def catalogue(engine: Engine) -> dict[str, int]:
    """Product code → id of the test catalogue."""
    return f.products(engine)
