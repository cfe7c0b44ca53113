"""Scenario 1: the database goes away mid-session.

PostgreSQL: the console's connections are killed with ``pg_terminate_backend`` and new ones are
refused (``ALLOW_CONNECTIONS false``) — the shared server itself keeps running; or the
connection is killed in the middle of the payment's transaction. SQLite: another program holds
the write lock beyond the busy timeout. Each time the save fails with one sentence, the typed
form stays on screen, and once the database is back the console reconnects by itself and the
retried save records the payment exactly once.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from textual.widgets import Input

from commcentre_tui.app import CommCentreApp, create_app
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.repo.db import make_engine
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.wiring import run_action
from tests.conftest import BACKENDS, PG_ADMIN_URL
from tests.console_support import settle_workers
from tests.reliability.demo_db import CUSTOMER, DemoDb, demo_database
from tests.test_seed import violations

SIZE = (120, 40)
SENTENCES = {
    "postgresql": "The database is not answering; nothing was saved and your form is kept — try again.",
    "sqlite": "The database is busy with another program's changes; nothing was saved and your "
    "form is kept — try again in a moment.",
}
BUSY_MS = 300
"""The console's SQLite busy timeout in these tests (the product waits 5 s)."""


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoDb]:
    yield from demo_database(request, tmp_path_factory)


@pytest.fixture
def console_engine(demo: DemoDb) -> Iterator[Engine]:
    """The console's own engine (a short SQLite busy timeout keeps the test quick)."""
    engine = make_engine(demo.url, busy_timeout_ms=BUSY_MS)
    yield engine
    engine.dispose()


class Outage:
    """Takes the demo database away from the console and brings it back."""

    def __init__(self, demo: DemoDb) -> None:
        self.demo = demo
        self._lock: sqlite3.Connection | None = None
        self._admin: Engine | None = None
        if demo.backend == "postgresql":
            url = make_url(demo.url)
            self.name = url.database
            self._admin = create_engine(
                make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg"),
                isolation_level="AUTOCOMMIT",
            )

    def terminate(self, pid: int | None = None) -> None:
        """Kill the console's server connections (``pid``: only that one)."""
        assert self._admin is not None
        where = "pid = %(pid)s" if pid else "datname = %(n)s AND pid <> pg_backend_pid()"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {where}",
                {"n": self.name, "pid": pid},
            )

    def start(self) -> None:
        if self._admin is None:
            path = make_url(self.demo.url).database
            self._lock = sqlite3.connect(path, isolation_level=None)
            self._lock.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            return
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.terminate()

    def end(self) -> None:
        if self._lock is not None:
            self._lock.rollback()
            self._lock.close()
            self._lock = None
        if self._admin is not None:
            with self._admin.connect() as conn:
                conn.exec_driver_sql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def close(self) -> None:
        self.end()
        if self._admin is not None:
            self._admin.dispose()


@pytest.fixture
def outage(demo: DemoDb) -> Iterator[Outage]:
    taken = Outage(demo)
    yield taken
    taken.close()


async def settle(pilot: Any) -> None:
    """Let the workers finish and their results reach the screen."""
    await settle_workers(pilot)


def errors(app: CommCentreApp) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


async def open_payment_form(pilot: Any, reference: str) -> ActionFormScreen:
    """Post a Payment for the demo customer, the amount and reference typed key by key."""
    app = pilot.app
    app.load_customer(CUSTOMER)
    await settle(pilot)
    run_action(app, "Post a Payment")
    await settle(pilot)
    form = app.screen
    assert isinstance(form, ActionFormScreen)
    for name, text in (("amount", "7.25"), ("reference", reference)):
        form.query_one(f"#field-{name}", Input).focus()
        await pilot.press(*text)
    await settle(pilot)
    return form


def kept(form: ActionFormScreen) -> tuple[str, str]:
    return (
        form.query_one("#field-amount", Input).value,
        form.query_one("#field-reference", Input).value,
    )


async def test_a_save_while_the_database_is_away_fails_with_a_sentence_and_retries_once(
    demo: DemoDb, console_engine: Engine, outage: Outage
) -> None:
    account = demo.account_of()
    before = demo.balance(account.id)
    reference = f"outage-{demo.backend}"
    app = create_app(
        settings=demo.settings,
        engine=console_engine,
        actor=actor_for(demo.engine, demo.settings, "admin"),
    )
    async with app.run_test(size=SIZE) as pilot:
        form = await open_payment_form(pilot, reference)
        outage.start()
        await pilot.press("ctrl+s")
        await settle(pilot)
        # one sentence, the form and what was typed still there, nothing written
        assert app.screen is form and kept(form) == ("7.25", reference)
        assert errors(app) == [SENTENCES[demo.backend]]

        outage.end()  # the database is back: the console reconnects by itself
        assert demo.payments(reference) == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
        assert len(errors(app)) == 1
    assert [p.amount for p in demo.payments(reference)] == [Decimal("7.25")]
    assert demo.balance(account.id) == before - Decimal("7.25")
    assert violations(demo.engine) == {}


async def test_searching_while_the_database_is_away_says_so_then_works_again(
    demo: DemoDb, console_engine: Engine, outage: Outage
) -> None:
    from textual.widgets import DataTable

    app = create_app(
        settings=demo.settings,
        engine=console_engine,
        actor=actor_for(demo.engine, demo.settings, "admin"),
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.console_screen.query_one("#results-table", DataTable)
        outage.start()
        await pilot.press("f2", *"hadji", "enter")
        await settle(pilot)
        if demo.backend == "postgresql":
            assert errors(app) == [
                "The database did not answer while searching; try again in a moment."
            ]
        else:  # another program's write lock does not stop readers (WAL): the search works
            assert errors(app) == [] and table.row_count > 0
        outage.end()
        await pilot.press("f2", *"hadji", "enter")
        await settle(pilot)
        assert table.row_count > 0 and app.is_running


@pytest.mark.parametrize("demo", BACKENDS[1:], indirect=True)  # pg_terminate_backend: PostgreSQL
async def test_a_connection_killed_inside_the_payment_transaction_leaves_nothing(
    demo: DemoDb, console_engine: Engine, outage: Outage
) -> None:
    account = demo.account_of()
    before = demo.balance(account.id)
    reference = "killed-mid-transaction"  # the console must reconnect: nothing refuses it
    armed = [True]

    @event.listens_for(console_engine, "before_cursor_execute")
    def _kill_mid_save(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if armed[0] and statement.lstrip().upper().startswith("INSERT INTO PAYMENT"):
            armed[0] = False  # the row is about to be written: the server drops this connection
            outage.terminate(conn.connection.dbapi_connection.info.backend_pid)

    app = create_app(
        settings=demo.settings,
        engine=console_engine,
        actor=actor_for(demo.engine, demo.settings, "admin"),
    )
    async with app.run_test(size=SIZE) as pilot:
        form = await open_payment_form(pilot, reference)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not armed[0]
        assert app.screen is form and kept(form) == ("7.25", reference)
        assert errors(app) == [
            "The database is not answering; nothing was saved and your form is kept — try again."
        ]
        assert demo.payments(reference) == [] and demo.balance(account.id) == before
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
    with contextlib.suppress(Exception):
        event.remove(console_engine, "before_cursor_execute", _kill_mid_save)
    assert len(demo.payments(reference)) == 1
    assert demo.balance(account.id) == before - Decimal("7.25")
    assert violations(demo.engine) == {}
