"""The demo data set on each backend, for the reliability tests that drive the whole console.

:func:`demo_database` seeds a fresh SQLite file (from the migrated template) or the session's
PostgreSQL database; each test module makes it a module-scoped fixture, so the seeding happens
once per module and backend. Tests that change data tell their own rows apart (a unique
reference, a count taken before), so they can share it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui.config import Settings, load_settings
from commcentre_tui.models import Account, AuditEntry, Contact, Payment
from commcentre_tui.repo.db import make_engine, reading
from commcentre_tui.services.demo import seed_demo
from tests.conftest import TEST_CONFIG, _truncate_all

CUSTOMER = 4
"""A person of the demo data with one account."""


@dataclass
class DemoDb:
    """A seeded database: its URL (for a console process), an engine and the settings."""

    backend: str
    url: str
    engine: Engine
    settings: Settings

    def customer_number(self, contact_id: int = CUSTOMER) -> str:
        with reading(self.engine) as session:
            contact = session.get(Contact, contact_id)
            assert contact is not None
            return contact.customer_number

    def account_of(self, contact_id: int = CUSTOMER) -> Account:
        with reading(self.engine) as session:
            return (
                session.execute(
                    select(Account).where(Account.contact_id == contact_id).order_by(Account.id)
                )
                .scalars()
                .first()
            )

    def balance(self, account_id: int) -> Decimal:
        with reading(self.engine) as session:
            account = session.get(Account, account_id)
            assert account is not None
            return account.balance

    def payments(self, reference: str) -> list[Payment]:
        with reading(self.engine) as session:
            return list(
                session.execute(select(Payment).where(Payment.reference == reference)).scalars()
            )

    def audit_count(self, action: str) -> int:
        with reading(self.engine) as session:
            return session.execute(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
            ).scalar_one()


def demo_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoDb]:
    """Seed the demo data on ``request.param`` (``sqlite`` or ``postgresql``) and yield it."""
    settings = load_settings(TEST_CONFIG)
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("reliability") / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
    else:
        url = request.getfixturevalue("pg_database")
        engine = make_engine(url)
        _truncate_all(engine)
    seed_demo(engine, settings)
    yield DemoDb(request.param, url, engine, settings)
    if request.param == "postgresql":
        _truncate_all(engine)
    engine.dispose()
