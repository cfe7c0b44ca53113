"""Issue #18 item 2, in a real console: a hostile template typed into a communication is a
sentence in the live preview and beside the content on Ctrl+S, other agents' writes go through,
and the console still quits at once — on Ctrl+Q, and on SIGTERM while a slow preview renders.

Each test runs a real ``commcentre`` console on a pseudo-terminal against the demo data on SQLite
and on PostgreSQL. Waits are on state (the sentence on screen, the process gone) with the
generous safety-net timeout of :func:`tests.pty_console.until`, never timed assertions.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from decimal import Decimal

import pytest

from commcentre_tui.repo.agents import actor_for
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.payments import post_payment
from tests.conftest import BACKENDS
from tests.pty_console import TIMEOUT, PtyConsole, until
from tests.reliability.demo_db import DemoDb, demo_database
from tests.reliability.test_console_crash import (
    communications_with,
    open_customer,
    run_action,
    tab_to,
)

LOOPS = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
#: Few loop steps, but each takes long (minutes in all): only the wall-clock budget stops it.
SLOW = "{% set s = 'x' * 999999 %}{% for i in range(9000) %}{% if s.split('x') %}{% endif %}{% endfor %}"
TOO_LONG = "✗ The template takes too long to render"
CTRL_Q = "\x11"


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoDb]:
    yield from demo_database(request, tmp_path_factory)


def type_content(console: PtyConsole, demo: DemoDb, content: str) -> None:
    """Open Create a Communication for the demo customer and type ``content``."""
    open_customer(console, demo.customer_number())
    run_action(console, "Create a Communication")
    console.wait_for("0 characters")
    tab_to(console, "Subject", 5)
    console.type("Budget")
    console.wait_for("Budget")
    tab_to(console, "Content", 1)
    console.type(content)


def test_a_hostile_template_is_a_sentence_and_the_console_still_quits(demo: DemoDb) -> None:
    with PtyConsole(demo.url, agent="maria", rows=60, cols=130) as console:
        type_content(console, demo, LOOPS)
        console.wait_for(
            f"│ {TOO_LONG} (more than 10,000 loop steps or 1 s); simplify it."
        )  # the preview
        console.press("ctrl+s")
        until(
            lambda: console.text.count(TOO_LONG) == 2,
            what="the sentence beside the content too",
            console=console,
        )

        # Another agent's write goes through at once: nothing holds the database.
        account = demo.account_of()
        before = demo.balance(account.id)
        ctx = ServiceContext(
            demo.engine, demo.settings, actor_for(demo.engine, demo.settings, "admin")
        )
        post_payment(
            ctx, {"account_id": account.id, "amount": "1.00", "reference": f"budget-{demo.backend}"}
        )
        assert demo.balance(account.id) == before - Decimal("1.00")

        console.type(CTRL_Q)
        assert console.process.wait(TIMEOUT) == 0
    assert communications_with(demo, LOOPS) == []


def test_sigterm_during_a_slow_preview_ends_the_console(demo: DemoDb) -> None:
    # (george: maria's Ctrl+Q above autosaved her form, which her next console offers back)
    with PtyConsole(demo.url, agent="george", rows=60, cols=130) as console:
        type_content(console, demo, SLOW)
        console.wait_for(SLOW[-30:])  # typed: its previews are rendering now
        console.process.send_signal(signal.SIGTERM)
        assert console.process.wait(TIMEOUT) in (0, -signal.SIGTERM, 128 + signal.SIGTERM)
