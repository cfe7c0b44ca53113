"""The delivery worker embedded in the console: delivers what the agent queues, reports
failures as sentences, backs off after an error and stops cleanly."""

from __future__ import annotations

import asyncio
import threading

import pytest

from commcentre_tui.comms.channels import DeliveryError
from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.controllers.comms import (
    embedded,
    start_embedded_worker,
    stop_embedded_worker,
)
from commcentre_tui.screens.actions.wiring import run_action
from commcentre_tui.screens.comms.register import register_openers
from commcentre_tui.services import communications as svc
from commcentre_tui.services.context import ServiceContext
from tests.console_comms.conftest import (
    CUSTOMER,
    SIZE,
    communications,
    fill,
    load,
    notifications,
    settle,
)


class FakeChannel:
    """Records what it is asked to send, or refuses it."""

    def __init__(self, refuse: str = "") -> None:
        self.sent: list = []
        self.refuse = refuse

    async def send(self, message) -> str:
        if self.refuse:
            raise DeliveryError(self.refuse, permanent=True)
        self.sent.append(message)
        return "accepted"

    async def close(self) -> None:
        return None


def embedded_settings(settings):
    return settings.model_copy(
        update={"worker": settings.worker.model_copy(update={"embedded": True})}
    )


def factory_for(
    channel: FakeChannel,
    settled: threading.Event,
    *,
    fail_first: str = "",
    first_error: BaseException | None = None,
):
    calls: list[int] = []

    def factory(engine, settings, *, on_event):
        calls.append(1)
        if fail_first and len(calls) == 1:
            raise RuntimeError(fail_first)
        if first_error is not None and len(calls) == 1:
            raise first_error

        def told(event) -> None:
            on_event(event)
            settled.set()

        return DeliveryWorker(
            engine,
            settings,
            channels={"email": channel, "sms": channel},
            on_event=told,
            concurrency=1,
        )

    return factory


def test_not_started_unless_embedded(make_app) -> None:
    assert start_embedded_worker(make_app()) is None  # the test configuration says embedded = false


async def test_delivers_what_the_agent_saves_and_stops(
    make_app, comms_settings, comms_engine
) -> None:
    register_openers()
    app = make_app(settings=embedded_settings(comms_settings))
    channel, settled = FakeChannel(), threading.Event()
    app.delivery_factory = factory_for(channel, settled)
    async with app.run_test(size=SIZE) as pilot:
        handle = start_embedded_worker(app)  # the app started it on mount with its factory
        assert handle is not None and start_embedded_worker(app) is handle
        await load(pilot, CUSTOMER)
        run_action(app, "Create a Communication")
        await settle(pilot)
        await fill(pilot, "subject", "Hello")
        await fill(pilot, "content", "Hi {{ contact.first_name }}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert await asyncio.to_thread(settled.wait, 10)
        comm = communications(comms_engine, CUSTOMER)[0]
        assert comm.delivery == "sent" and comm.sent_at is not None
        assert [(m.recipient, m.subject, m.content) for m in channel.sent] == [
            (comm.recipient, "Hello", "Hi Siobhán")
        ]
        assert await asyncio.to_thread(stop_embedded_worker, app)
        assert not handle.thread.is_alive()


async def test_errors_are_sentences_and_the_worker_backs_off(
    make_app, comms_settings, comms_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "BACKOFF_FIRST", 0.01)
    app = make_app(settings=embedded_settings(comms_settings))
    channel, settled = (
        FakeChannel(refuse="The mail server refused the recipient."),
        threading.Event(),
    )
    ctx = ServiceContext(comms_engine, app.settings, app.actor)
    app.delivery_factory = factory_for(channel, settled, fail_first="SMTP settings are broken")
    async with app.run_test(size=SIZE) as pilot:
        handle = start_embedded_worker(app)  # started on mount with the failing factory
        comm = svc.create_communication(
            ctx, {"contact_id": CUSTOMER, "subject": "Hi", "content": "Hello"}
        )
        assert await asyncio.to_thread(settled.wait, 10)
        await settle(pilot)
        told = notifications(app)
        assert any(
            n.startswith("The delivery worker stopped: SMTP settings are broken; it tries again in")
            for n in told
        )
        assert (
            f"Communication {comm.id} could not be delivered: The mail server refused the recipient."
            in told
        )
        assert handle.errors == 1 and app.screen is app.console_screen
        assert communications(comms_engine, CUSTOMER)[0].delivery == "failed"
    # leaving the app stops the worker (the thread is not left running)
    handle.thread.join(10)
    assert handle.stopped.is_set() and not handle.thread.is_alive()


async def test_a_database_failure_is_told_as_the_database_not_answering(
    make_app, comms_settings, comms_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's clause comes from the console's one failure module: a driver error is "the
    database is not answering", never the driver's text; the worker then tries again."""
    from sqlalchemy.exc import OperationalError

    monkeypatch.setattr(embedded, "BACKOFF_FIRST", 0.01)
    app = make_app(settings=embedded_settings(comms_settings))
    channel, settled = FakeChannel(), threading.Event()
    down = OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
    app.delivery_factory = factory_for(channel, settled, first_error=down)
    async with app.run_test(size=SIZE) as pilot:
        handle = start_embedded_worker(app)
        ctx = ServiceContext(comms_engine, app.settings, app.actor)
        svc.create_communication(ctx, {"contact_id": CUSTOMER, "subject": "Hi", "content": "Hello"})
        assert await asyncio.to_thread(settled.wait, 10)
        await settle(pilot)
        told = notifications(app)
        assert any(
            n.startswith(
                "The delivery worker stopped: the database is not answering; it tries again in"
            )
            for n in told
        ), told
        assert not any("server closed" in n for n in told)
        assert handle.errors == 1 and len(channel.sent) == 1
