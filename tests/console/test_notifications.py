"""Notifications that matter stay: a reminder and a failed delivery raised while a form is open
never cover the form's fields at 80×24, and both wait in Notifications (Ctrl+L) until the agent
acknowledges them; the header counts them."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine

from commcentre_tui.comms.worker import DeliveryEvent
from commcentre_tui.config import Settings, load_settings
from commcentre_tui.controllers.comms.embedded import EmbeddedDelivery
from commcentre_tui.controllers.reminders import check_reminders
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.screens.contact_info import ContactInfoScreen
from commcentre_tui.screens.notifications import NotificationsScreen, kept_notifications
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.tasks import create_task
from tests.conftest import TEST_CONFIG
from tests.console.conftest import DEMO_NOW, settle, settle_until, type_text

FAILURE = "Communication 7 could not be delivered: The mail server refused the recipient."


def due_task(engine: Engine, settings: Settings, subject: str) -> None:
    """A call task for maria, created in the demo's past, so its reminder is long due."""
    ctx = ServiceContext(engine, settings, actor_for(engine, settings, "maria"))
    create_task(
        ctx,
        {
            "contact_id": 1,
            "kind": "call",
            "subject": subject,
            "due_at": (DEMO_NOW + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "reminder_minutes": 10,
        },
        now=DEMO_NOW,
    )


def screen_lines(app) -> list[str]:
    """The text of each terminal line as drawn now."""
    update = app.screen._compositor.render_full_update()
    return ["".join(segment.text for segment in strip) for strip in update.strips]


def kept_messages(app) -> list[str]:
    return [k.message for k in kept_notifications(app).newest_first()]


async def reminder_checks_done(pilot) -> None:
    for worker in [w for w in pilot.app.workers if w.group == "task-reminders"]:
        await worker.wait()
    await settle(pilot)


async def test_reminder_and_failed_delivery_stay_listed_and_off_the_form(
    make_app, demo_engine
) -> None:
    settings = load_settings(TEST_CONFIG)
    app = make_app(settings=settings)
    app.background_delay = 0
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await reminder_checks_done(pilot)  # (the demo's own past reminders for maria)
        already = len(kept_notifications(app))
        await pilot.press("f2")
        await type_text(pilot, "C0000001")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle_until(pilot, lambda a: isinstance(a.screen, ContactInfoScreen), "the form")
        form = app.screen

        due_task(demo_engine, settings, "Ring me back")
        check_reminders(app)  # (the 30-second check)
        delivery = EmbeddedDelivery(app, factory=lambda *a, **k: None)
        thread = threading.Thread(
            target=delivery._event,
            args=(DeliveryEvent(7, "failed", 3, "The mail server refused the recipient."),),
        )  # the worker's thread
        thread.start()
        thread.join()
        await settle_until(
            pilot, lambda a: len(kept_notifications(a)) == already + 2, "both notifications kept"
        )
        await settle(pilot)

        # The form is untouched; its fields (all but the bottom line) show no toast.
        assert app.screen is form
        lines = screen_lines(app)
        assert len(lines) == 24
        fields = "\n".join(lines[:-1])
        assert "Ring me back" not in fields and "could not be delivered" not in fields
        assert "Phones" in fields or "phone" in fields.lower()
        assert any(word in lines[-1] for word in ("Ring me back", "could not be delivered"))

        # The toast fades; both stay in the list, newest first, and the header counts them.
        app.clear_notifications()
        form.query_one("#toast-line")._fade()
        await pilot.pause()
        assert not any("could not be delivered" in line for line in screen_lines(app))
        newest = kept_messages(app)[:2]
        assert any("Ring me back" in m for m in newest) and FAILURE in newest
        assert f"{already + 2} unread" in str(app.sub_title)

        # Ctrl+L lists them over the form; Enter and d acknowledge; Esc goes back to the form.
        await pilot.press("ctrl+l")
        await settle_until(pilot, lambda a: isinstance(a.screen, NotificationsScreen), "the list")
        shown = "\n".join(screen_lines(app))
        assert f"Notifications — {already + 2} unread, newest first" in shown
        assert "could not be delivered" in shown and "Ring me back" in shown
        await pilot.press("enter")
        await pilot.press("d")
        await pilot.pause()
        assert len(kept_notifications(app)) == already
        assert not any("Ring me back" in m or m == FAILURE for m in kept_messages(app))
        assert (f"{already} unread" in str(app.sub_title)) == bool(already)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form
