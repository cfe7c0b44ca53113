"""Scenario 4: the console process is SIGKILLed while a communication is typed and while a
payment is saved. After a restart the typed communication is offered back, and the payment
either happened in full (payment, balance, audit entry) or not at all.

Each test runs a real ``commcentre`` console on a pseudo-terminal (:mod:`.pty_console`) against
the seeded demo data on SQLite and on PostgreSQL, types keys, reads the screen and the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from commcentre_tui.models import AgentSession, AuditEntry, Communication, FormDraft
from commcentre_tui.repo.db import reading
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.payments import POST_PAYMENT, post_payment
from tests.conftest import BACKENDS
from tests.pty_console import PtyConsole, until
from tests.reliability.demo_db import CUSTOMER, DemoDb, demo_database
from tests.test_seed import violations


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoDb]:
    yield from demo_database(request, tmp_path_factory)


def open_customer(console: PtyConsole, number: str) -> None:
    """Quick Search the customer number; the customer loads."""
    console.wait_for("f10 Actions")
    until(
        lambda: console.cursor[1] == console.row_of("Search"),
        what="the cursor in the search bar",
        console=console,
    )
    console.press("f2")
    console.type(number)
    console.wait_for(f"Search Any field ▼ Like ▼ {number}")
    console.press("enter")
    console.wait_for("Balance ")


def run_action(console: PtyConsole, name: str) -> None:
    """Open the Action Panel (F10), filter by ``name`` and run it."""
    console.press("f10")
    console.wait_for("Type to filter")
    console.type(name.lower())
    console.wait_for(name.lower())
    console.press("enter")


def tab_to(console: PtyConsole, label: str, tabs: int) -> None:
    """Press Tab ``tabs`` times and wait until the cursor is in the field under ``label`` (the
    field's box takes the three rows below its label; a re-centred modal may shift it by one)."""
    console.press(*["tab"] * tabs)
    until(
        lambda: (row := console.row_of(label)) is not None and row < console.cursor[1] <= row + 3,
        what=f"the cursor in {label!r}",
        console=console,
    )


def autosaved(demo: DemoDb, content: str) -> FormDraft | None:
    with reading(demo.engine) as session:
        drafts = session.execute(select(FormDraft)).scalars().all()
    return next(
        (d for d in drafts if (d.payload or {}).get("values", {}).get("content") == content), None
    )


def communications_with(demo: DemoDb, content: str) -> list[Communication]:
    with reading(demo.engine) as session:
        return list(
            session.execute(select(Communication).where(Communication.content == content)).scalars()
        )


def test_a_communication_typed_before_a_crash_is_offered_back(demo: DemoDb) -> None:
    number = demo.customer_number()
    subject, content = f"Crash {demo.backend}", f"Typed before the crash on {demo.backend}"
    with PtyConsole(demo.url, agent="maria", rows=60, cols=130) as console:
        open_customer(console, number)
        run_action(console, "Create a Communication")
        console.wait_for("0 characters")
        tab_to(console, "Subject", 5)
        console.type(subject)
        console.wait_for(subject)
        tab_to(console, "Content", 1)
        console.type(content)
        console.wait_for(content)
        # the autosave (every 0.2 s in this test) has kept it: now the machine dies
        until(lambda: autosaved(demo, content), what="the autosaved communication")
        console.kill()
    assert communications_with(demo, content) == []

    with PtyConsole(demo.url, agent="maria", rows=60, cols=130) as console:
        console.wait_for("Restore your unsaved communication for")
        assert number in console.screen.flat
        console.press("y")
        console.wait_for(content)
        console.wait_for(subject)
        console.press("ctrl+s")
        until(
            lambda: communications_with(demo, content),
            what="the saved communication",
            console=console,
        )
        console.wait_for("Balance ")  # back on the customer view
    saved = communications_with(demo, content)
    assert [(c.subject, c.contact_id, c.state) for c in saved] == [(subject, CUSTOMER, "completed")]
    assert autosaved(demo, content) is None


def test_a_console_whose_terminal_goes_away_autosaves_and_exits(demo: DemoDb) -> None:
    """tmux killed or the SSH channel closed: the console does not linger holding its presence
    and locks; it autosaves the open communication, closes its presence and exits (129)."""
    content = f"Typed before the terminal went away on {demo.backend}"
    before = presence_ids(demo)  # earlier tests' SIGKILLed consoles leave rows to expire
    with PtyConsole(demo.url, agent="maria", rows=60, cols=130) as console:
        open_customer(console, demo.customer_number())
        until(lambda: presence_ids(demo) - before, what="the console's presence", console=console)
        run_action(console, "Create a Communication")
        console.wait_for("0 characters")
        tab_to(console, "Content", 6)
        console.type(content)
        console.wait_for(content)
        console.hang_up()
        assert console.process.wait(60) == 129
    assert autosaved(demo, content) is not None
    assert presence_ids(demo) - before == set()  # closed at once, not left to expire


def presence_ids(demo: DemoDb) -> set[int]:
    with reading(demo.engine) as session:
        return set(session.execute(select(AgentSession.id)).scalars())


@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
def test_a_payment_killed_mid_save_happened_fully_or_not_at_all(
    demo: DemoDb, point: str, tmp_path: Path
) -> None:
    account = demo.account_of()
    before = demo.balance(account.id)
    audits = demo.audit_count(POST_PAYMENT)
    reference = f"crash-{point}-{demo.backend}"
    marker = tmp_path / "frozen"
    env = {"CC_TEST_CRASH_POINT": point, "CC_TEST_CRASH_MARKER": str(marker)}
    with PtyConsole(
        demo.url,
        agent="admin",
        rows=50,
        cols=120,
        env=env,
        launcher="tests.reliability.crash_launcher",
    ) as console:
        open_customer(console, demo.customer_number())
        run_action(console, "Post a Payment")
        console.wait_for("Amount *")  # the form opens with the cursor in Amount
        console.type("7.25")
        console.wait_for("7.25")
        tab_to(console, "Reference", 2)
        console.type(reference)
        console.wait_for(reference)
        console.press("ctrl+s")
        until(marker.exists, what=f"the payment frozen {point.replace('_', ' ')}", console=console)
        console.kill()

    payments = demo.payments(reference)
    if point == "before_commit":  # not at all
        assert payments == []
        assert demo.balance(account.id) == before
        assert demo.audit_count(POST_PAYMENT) == audits
    else:  # fully: the payment, the balance and the audit entry together
        assert [(p.amount, p.account_id) for p in payments] == [(Decimal("7.25"), account.id)]
        assert demo.balance(account.id) == before - Decimal("7.25")
        assert demo.audit_count(POST_PAYMENT) == audits + 1
        with reading(demo.engine) as session:
            entry = (
                session.execute(
                    select(AuditEntry)
                    .where(AuditEntry.action == POST_PAYMENT)
                    .order_by(AuditEntry.id.desc())
                )
                .scalars()
                .first()
            )
        assert (entry.entity, entry.entity_id) == ("payment", payments[0].id)
    assert violations(demo.engine) == {}

    # Nothing is left locked: the next payment on the same account goes through at once.
    from commcentre_tui.repo.agents import actor_for

    ctx = ServiceContext(demo.engine, demo.settings, actor_for(demo.engine, demo.settings, "admin"))
    after = demo.balance(account.id)
    post_payment(
        ctx, {"account_id": account.id, "amount": "1.00", "reference": f"{reference}-next"}
    )
    assert demo.balance(account.id) == after - Decimal("1.00")
