"""Failed deliveries one key away on the Wallboard (80×24): ``f`` lists them (customer, subject,
reason, when), ``r`` queues one again (audited), Enter loads the customer in the console."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session

from commcentre_tui import zones
from commcentre_tui.config import load_settings
from commcentre_tui.models import AuditEntry, Communication, CommunicationQueue
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.wallboard import day_bounds
from commcentre_tui.screens.failed_deliveries import FailedDeliveriesScreen
from commcentre_tui.screens.wallboard import WallboardScreen
from tests.conftest import TEST_CONFIG
from tests.console_cti.conftest import contact, notes
from tests.console_support import console_app, today


async def until(pilot, predicate, timeout: float = 30.0) -> None:
    """Wait (on the app's own loop) until ``predicate()`` holds; ``timeout`` is a safety net."""

    async def loop() -> None:
        while not predicate():
            await pilot.pause()

    await asyncio.wait_for(loop(), timeout)


async def open_board(pilot) -> WallboardScreen:
    """Ctrl+F from George's console once it is ready: the Wallboard."""
    app = pilot.app
    await app.console_screen.panels_ready.wait()
    await pilot.press("ctrl+f")
    await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
    return app.screen


def _today(share: float) -> datetime:
    """A moment ``share`` of the way through today so far (the Wallboard counts today's failures;
    "30 minutes ago" would be yesterday when the suite runs just after midnight)."""
    now = utcnow()
    start, _end = day_bounds(now, zones.zone())
    return start + (now - start) * share


def _failed(engine: Engine, contact_id: int, subject: str, error: str, at: datetime) -> int:
    with Session(engine) as session:
        comm = Communication(
            contact_id=contact_id,
            direction="outgoing",
            media="email",
            state="completed",
            subject=subject,
            recipient="someone@example.com",
            delivery="failed",
            last_error=error,
            attempts=5,
            created_at=at,
        )
        session.add(comm)
        session.flush()
        session.add(
            CommunicationQueue(
                communication_id=comm.id,
                status="failed",
                attempts=5,
                last_error=error,
                created_at=at,
                attempt_started_at=at,
            )
        )
        session.commit()
        return comm.id  # type: ignore[return-value]


async def test_f_lists_failures_r_retries_and_enter_loads_the_customer(
    demo_engine: Engine,
) -> None:
    eleni, kostas = contact(demo_engine, 3), contact(demo_engine, 5)
    first = _failed(
        demo_engine, 3, "Your bill [bold]June[/bold]", "550 Mailbox full\nmore", _today(0.25)
    )
    _failed(demo_engine, 5, "Welcome", "Recipient address rejected", _today(0.75))
    app = console_app(demo_engine, load_settings(TEST_CONFIG), "george", today=today)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)
        await board.shows(lambda: "failed today 2 (f lists them)" in board.panel_text("today"))

        await pilot.press("f")
        await until(
            pilot,
            lambda: isinstance(app.screen, FailedDeliveriesScreen) and app.screen.rows is not None,
        )
        failures: FailedDeliveriesScreen = app.screen
        assert [(r.customer, r.subject, r.reason) for r in failures.rows] == [
            (kostas["name"], "Welcome", "Recipient address rejected"),  # newest first
            (eleni["name"], "Your bill [bold]June[/bold]", "550 Mailbox full"),
        ]

        await pilot.press("down", "r")  # retry Eleni's
        await until(pilot, lambda: failures.rows is not None and len(failures.rows) == 1)
        assert any(n.startswith("Failed deliveries: Queued again: Your bill") for n in notes(app))
        with Session(demo_engine) as session:
            assert session.get(Communication, first).delivery != "failed"
            assert session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == "Retry delivery", AuditEntry.entity_id == first
                )
            ).first()

        await pilot.press("enter")  # Kostas's customer, in the console
        await until(pilot, lambda: app.screen is app.console_screen and app.customer_id == 5)


async def test_a_read_that_fails_is_one_sentence_in_the_title_and_the_board_recovers(
    demo_engine: Engine, monkeypatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from commcentre_tui.repo import wallboard

    real, failures = wallboard.read_board, [1]

    def flaky(*args, **kwargs):
        if failures:
            failures.pop()
            raise OperationalError("SELECT …", {}, Exception("server closed the connection"))
        return real(*args, **kwargs)

    monkeypatch.setattr(wallboard, "read_board", flaky)
    app = console_app(demo_engine, load_settings(TEST_CONFIG), "george", today=today)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)

        def title() -> str:
            return str(board.query_one("#wall-title").render())

        await until(pilot, lambda: "did not answer" in title())
        assert "SELECT" not in title() and "Traceback" not in title()
        await board.shows(
            lambda: "did not answer" not in title() and "George" in board.panel_text("agents")
        )
