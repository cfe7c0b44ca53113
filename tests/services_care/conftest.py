"""Fixtures of the customer-care service tests."""

from __future__ import annotations

import pytest
from care_factories import Factory
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.context import ServiceContext


@pytest.fixture
def make(engine: Engine, settings: Settings) -> Factory:
    """The factory for this test's database."""
    return Factory(engine, settings)


@pytest.fixture
def ctx(engine: Engine, settings: Settings, admin_actor: Actor) -> ServiceContext:
    """A service context acting as the admin agent (unit "Care")."""
    return ServiceContext(engine, settings, admin_actor)
