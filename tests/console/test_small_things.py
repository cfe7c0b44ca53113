"""Small things of an agent's day: the bell with a due reminder ([ui] bell switches it off), the
idle-timeout sentence in the singular, international email addresses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings, load_settings
from commcentre_tui.controllers.reminders import check_reminders
from commcentre_tui.repo.agents import actor_for
from commcentre_tui.screens.notifications import kept_notifications
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.tasks import create_task
from commcentre_tui.ssh.session import idle_words
from commcentre_tui.validation import check_email
from tests.conftest import TEST_CONFIG
from tests.console.conftest import DEMO_NOW, settle_until, type_text


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


async def test_a_due_reminder_rings_the_bell_unless_switched_off(make_app, demo_engine) -> None:
    settings = load_settings(TEST_CONFIG)
    assert settings.ui.bell is True  # the default
    due_task(demo_engine, settings, "Ring me back")
    app = make_app(settings=settings)
    app.background_delay = 0
    rings: list[str] = []
    app.bell = lambda: rings.append("bell")  # type: ignore[method-assign]

    def reminded(subject: str):
        return lambda a: any(subject in k.message for k in kept_notifications(a).items)

    async with app.run_test(size=(80, 24)) as pilot:
        # (The demo's own past reminders for maria come with it: one bell, one toast for all.)
        await settle_until(pilot, reminded("Ring me back"), "the first reminder")
        assert len(rings) == 1
        toasts = [n.title for n in app._notifications]
        assert toasts.count("Task reminders") == 1 and "Task reminder" not in toasts
        app.settings.ui.bell = False
        due_task(demo_engine, settings, "Quietly now")
        check_reminders(app)  # (the 30-second check)
        await settle_until(pilot, reminded("Quietly now"), "the second reminder")
        assert len(rings) == 1  # switched off
        assert any(
            n.title == "Task reminder" and "Quietly now" in str(n.message)
            for n in app._notifications
        )  # a single reminder is its own toast


def test_idle_timeout_words_agree_in_number() -> None:
    assert idle_words(60) == "1 minute"
    assert idle_words(300) == "5 minutes"
    assert idle_words(90) == "1.5 minutes"
    assert idle_words(1) == "1 second"
    assert idle_words(30) == "30 seconds"


@pytest.mark.parametrize(
    "address",
    ["info@κύπρος.cy", "μαρία@example.com", "Eleni.K+bills@Example.COM", "x@sub.xn--vxakceg6d.cy"],
)
def test_international_addresses_are_taken_as_typed(address: str) -> None:
    assert check_email(f"  {address} ") == address


@pytest.mark.parametrize(
    "address",
    [
        "a@b",
        "a b@example.com",
        "a..b@example.com",
        "@example.com",
        "x@localhost",
        "x@κύπρος",
        "x@-bad-.cy",
    ],
)
def test_invalid_addresses_are_one_sentence(address: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_email(address)
    assert str(caught.value).endswith("is not a valid email address (expected name@example.com).")


async def test_the_chosen_theme_is_kept_per_agent(make_app, tmp_path) -> None:
    settings = load_settings(
        TEST_CONFIG, ui={"remember_theme": True, "preferences_dir": str(tmp_path / "prefs")}
    )
    app = make_app(settings=settings)
    assert app.theme == "textual-dark"  # nothing chosen yet: the configured theme
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "theme")
        await settle_until(pilot, lambda a: _first_option(a).startswith("Theme"), "Theme")
        await pilot.press("enter")
        await type_text(pilot, "nord")
        await settle_until(pilot, lambda a: _first_option(a).startswith("nord"), "nord")
        await pilot.press("enter")
        await settle_until(pilot, lambda a: a.theme == "nord", "the new theme")
    assert (tmp_path / "prefs" / "maria.json").is_file()
    assert make_app(settings=settings).theme == "nord"  # maria's next start
    assert make_app("george", settings=settings).theme == "textual-dark"  # per agent


def _first_option(app) -> str:
    from textual.widgets import OptionList

    lists = app.screen.query(OptionList)
    if not lists or not lists.first().option_count:
        return ""
    return str(lists.first().get_option_at_index(0).prompt).strip()
