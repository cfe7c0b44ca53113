"""The console ends cleanly on SIGTERM/SIGHUP (an SSH disconnect, a kill, a server shutdown):
the typed communication is autosaved, the presence session is closed (not left to expire), and
the process exits with 128 + the signal. Both backends; the signal test runs a real console
process on a pseudo-terminal."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from commcentre_tui.app import create_app
from commcentre_tui.config import Settings
from commcentre_tui.controllers.comms.state import FORM
from commcentre_tui.controllers.shutdown import request_shutdown
from commcentre_tui.models import AgentSession
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.comms.register import register_openers
from commcentre_tui.services import communications as svc
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.widgets.presence import PresenceKeeper
from tests.console import data
from tests.console.conftest import settle
from tests.console_comms.conftest import fill, form_of, type_into
from tests.pty_console import PtyConsole, until

from .conftest import add_agent

#: Upper bound for the console process to start or to stop (a failure, not a timing goal).
DEADLINE = 60.0


def sessions(engine: Engine, agent_id: int) -> list[AgentSession]:
    with reading(engine) as session:
        return list(
            session.execute(select(AgentSession).where(AgentSession.agent_id == agent_id)).scalars()
        )


@pytest.fixture
def maria(engine: Engine, settings: Settings) -> Actor:
    return add_agent(engine, settings, "maria", display_name="Maria Kosta")


async def test_shutdown_autosaves_the_open_form_and_closes_presence(
    engine: Engine,
    settings: Settings,
    maria: Actor,
) -> None:
    known = data.build(engine)
    app = create_app(settings=settings, engine=engine, actor=maria, today=lambda: data.NOW.date())
    app.offer_drafts_on_start = False
    register_openers()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.console_screen.panels_ready.wait()
        await settle(pilot)
        app.load_customer(known.contact_id)
        await settle(pilot)
        assert [s.contact_id for s in sessions(engine, maria.agent_id or 0)] == [known.contact_id]
        run_action(app, "Create a Communication")
        await settle(pilot)
        form_of(app)
        await fill(pilot, "subject", "Before the hang-up")
        await type_into(pilot, "content", "Typed, never saved")
        request_shutdown(app, signal.SIGTERM)
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "shutdown"])
    assert app.return_code == 128 + signal.SIGTERM
    kept = svc.load_form_draft(ServiceContext(engine, settings, maria), FORM)
    assert kept is not None
    values = kept.payload["values"]
    assert values["subject"] == "Before the hang-up" and values["content"] == "Typed, never saved"
    assert sessions(engine, maria.agent_id or 0) == []


@pytest.fixture
def database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def spawn(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], PtyConsole]]:
    """``spawn(agent)``: a real console process for ``agent`` on a pseudo-terminal (killed after
    the test if still running)."""
    started: list[PtyConsole] = []

    def make(agent: str) -> PtyConsole:
        console = PtyConsole(database_url, agent=agent, env={"HOME": str(tmp_path)})
        started.append(console)
        return console

    yield make
    for console in started:
        console.kill()


def wait_for_session(engine: Engine, agent_id: int, console: PtyConsole) -> None:
    """Until the console's presence session row exists (or the process died / the deadline)."""
    until(lambda: sessions(engine, agent_id), DEADLINE, "presence session of the console", console)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signalled_console_closes_its_presence_and_exits(
    engine: Engine,
    maria: Actor,
    spawn: Callable[[str], PtyConsole],
    sig: int,
) -> None:
    console = spawn("maria")
    wait_for_session(engine, maria.agent_id or 0, console)
    console.process.send_signal(sig)
    code = console.process.wait(DEADLINE)
    assert code == 128 + sig, console.text
    # Closed, not left to expire: the row is gone at once.
    assert sessions(engine, maria.agent_id or 0) == []


def test_a_killed_console_leaves_a_session_that_only_expiry_removes(
    engine: Engine,
    maria: Actor,
    spawn: Callable[[str], PtyConsole],
) -> None:
    """The contrast: SIGKILL cannot be handled, so the row stays (and expires within the TTL)."""
    console = spawn("maria")
    wait_for_session(engine, maria.agent_id or 0, console)
    console.process.kill()
    assert console.process.wait(DEADLINE) == -signal.SIGKILL
    assert len(sessions(engine, maria.agent_id or 0)) == 1


async def test_shutdown_lets_a_save_in_progress_finish_first(
    engine: Engine,
    settings: Settings,
    maria: Actor,
) -> None:
    """A form's save running when the signal arrives completes before the console exits."""
    app = create_app(settings=settings, engine=engine, actor=maria, today=lambda: data.NOW.date())
    app.offer_drafts_on_start = False
    release, finished = threading.Event(), threading.Event()

    def saving() -> None:  # stands in for a form's save transaction (worker group "form-save")
        release.wait()
        finished.set()

    async with app.run_test(size=(120, 40)) as pilot:
        await app.console_screen.panels_ready.wait()
        await settle(pilot)
        await app.screen.query_one(PresenceKeeper).first_seen.wait()  # the session is open
        app.run_worker(saving, thread=True, group="form-save")
        try:
            request_shutdown(app, signal.SIGTERM)
            await pilot.pause()
            assert app.return_code is None and not finished.is_set()  # waiting for the save
            assert len(sessions(engine, maria.agent_id or 0)) == 1
        finally:
            release.set()  # (a failed assertion must not leave the save hanging)
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "shutdown"])
    assert finished.is_set() and app.return_code == 128 + signal.SIGTERM
    assert sessions(engine, maria.agent_id or 0) == []
