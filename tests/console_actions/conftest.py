"""Demo data once per module and backend, for the action-form tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui.config import Settings, load_settings
from commcentre_tui.models import Account, Bill, Contact, Subscription
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.repo.db import make_engine, reading
from commcentre_tui.repo.seed.demo import seed_demo
from commcentre_tui.services.context import ServiceContext
from tests.conftest import BACKENDS, TEST_CONFIG, _truncate_all


@dataclass
class Demo:
    engine: Engine
    settings: Settings
    ctx: ServiceContext
    contact_id: int
    """A person with an account, a subscription and an unpaid bill."""


def _rich_contact(engine: Engine) -> int:
    with reading(engine) as session:
        return session.execute(
            select(Contact.id)
            .join(Account, Account.contact_id == Contact.id)
            .join(Subscription, Subscription.account_id == Account.id)
            .join(Bill, Bill.account_id == Account.id)
            .where(Contact.kind == "person", Bill.status != "paid", Subscription.status == "active")
            .group_by(Contact.id).order_by(func.count(Bill.id).desc(), Contact.id).limit(1)
        ).scalar_one()


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    settings = load_settings(TEST_CONFIG, contacts={"custom_fields": [{"name": "Loyalty tier", "type": "text"}]})
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(request.getfixturevalue("pg_database"))
        _truncate_all(engine)
    seed_demo(engine, settings)
    actor = actor_for(engine, settings, "admin")
    yield Demo(engine, settings, ServiceContext(engine, settings, actor), _rich_contact(engine))
    if request.param == "postgresql":
        _truncate_all(engine)
    engine.dispose()
