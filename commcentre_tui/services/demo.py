"""The demo data set of ``commcentre db seed --demo`` and the console's first start: customers
and agents (:mod:`commcentre_tui.repo.seed.demo`), the shipped templates and the roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from commcentre_tui.comms.templates import install_default_templates
from commcentre_tui.config import Settings
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.roles_sync import sync_roles
from commcentre_tui.repo.seed.demo import load_demo


def seed_demo(engine: Engine, settings: Settings, *, now: datetime | None = None) -> str:
    """Load the demo data into a freshly migrated database; a summary such as
    "300 customers and 5 agents"."""
    summary = load_demo(engine, settings, now=now)
    with transaction(engine) as session:
        install_default_templates(session)
    sync_roles(engine, settings)
    return summary
