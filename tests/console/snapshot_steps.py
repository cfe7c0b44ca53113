"""The ``run_before`` of the console's SVG snapshots: search, press keys, wait for the screen."""

from __future__ import annotations

import pytest
from textual.app import App

from commcentre_tui.screens.notifications import acknowledge_all
from tests.console.conftest import settle, settle_until, type_text


@pytest.fixture
def toasts_stay(monkeypatch):
    """Toasts stay until the snapshot is taken: their timeout is wall-clock time, and on a busy
    machine the steps before a snapshot can take longer than a reminder's 15 s."""
    notify = App.notify

    def lasting(self, message, *, title="", severity="information", timeout=None, markup=True):
        notify(self, message, title=title, severity=severity, timeout=3600, markup=markup)

    monkeypatch.setattr(App, "notify", lasting)


def reminders_checked(app) -> bool:
    """The console's first look for due task reminders is done (its toast, if any, is shown):
    it starts a moment after the first frame, so without this wait a snapshot taken on a busy
    machine may come before the toast."""
    return app.actor.agent_id is None or app.reminder_checks > 0


def steps(
    *keys: str,
    search: str | None = None,
    typed: dict[int, str] | None = None,
    ready=None,
    quiet: bool = False,
):
    """A ``run_before``: optionally load a customer by searching, press ``keys`` (settling after
    each, typing ``typed[i]`` after the i-th), wait until ``ready(app)`` if given (a screen that
    finishes in several steps), then acknowledge the kept notifications (the header's "N unread"
    depends on when reminders arrive); ``quiet`` clears the toasts too. Every snapshot starts once
    the first reminder check is done, so the reminders' toast is always there (or cleared)."""

    async def run_before(pilot) -> None:
        await settle_until(pilot, reminders_checked, what="the first check for due reminders")
        if search is not None:
            await pilot.press("f2")
            await type_text(pilot, search)
            await pilot.press("enter")
            await settle(pilot)
        for i, key in enumerate(keys):
            await pilot.press(key)
            if typed and i in typed:
                await type_text(pilot, typed[i])
            await settle(pilot)
        if ready is not None:
            await settle_until(pilot, ready, what=ready.__doc__ or "the screen")
        if quiet:
            pilot.app.clear_notifications()
        acknowledge_all(pilot.app)
        await pilot.pause()

    return run_before
