"""Pasting into the console goes in once (a bracketed paste, ESC[200~ … ESC[201~, as a terminal
sends it): the search bar, an action form's fields, the communication's Subject; a paste longer
than a field holds is cut with a sentence. Pilot at 80×24, and a real console on a pty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from textual._xterm_parser import XTermParser
from textual.widgets import Input

from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.widgets.form_fields import ONE_LINE_LIMIT
from tests.console.conftest import settle, settle_until, type_text
from tests.pty_console import PtyConsole, until

START, END = "\x1b[200~", "\x1b[201~"


async def paste(pilot: Any, text: str) -> None:
    """What a terminal sends for a paste, read by Textual's own input parser."""
    for event in XTermParser().feed(f"{START}{text}{END}"):
        pilot.app.post_message(event)
    await pilot.pause()
    await pilot.pause()


def notices(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_action(pilot: Any, typed: str) -> Any:
    await pilot.press("f10")
    await settle(pilot)
    await type_text(pilot, typed)
    await pilot.press("enter")
    await settle_until(
        pilot,
        lambda app: (
            isinstance(app.screen, ActionFormScreen)
            and bool(app.screen.fields)
            and app.screen.focused is not None
        ),
        "the form with its cursor",
    )
    return pilot.app.screen


async def test_a_paste_goes_in_once_and_a_long_one_is_cut_with_a_sentence(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await paste(pilot, "hadji")
        assert app.screen.search_bar.value_input.value == "hadji"

        form = await open_action(pilot, "log person")
        assert isinstance(form, ActionFormScreen) and form.spec.name == "Log Person Information"
        await pilot.press("tab")  # Title → First name
        first = form.query_one("#field-first_name", Input)
        assert form.focused is first
        await paste(pilot, "abc")
        assert first.value == "abc"
        await paste(pilot, "def")  # at the cursor, once
        assert first.value == "abcdef"
        first.value = ""
        await paste(pilot, "x" * 10_000)
        assert first.value == "x" * ONE_LINE_LIMIT
        assert any(
            f"Only the first {ONE_LINE_LIMIT} characters were kept" in n for n in notices(app)
        )
        first.value = "María"
        first.select_all()
        await paste(pilot, "Eleni\nsecond line")  # replaces the selection; one line only
        assert first.value == "Eleni"


async def test_the_communication_subject_takes_a_paste_once(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "C0000001")
        await pilot.press("enter")
        await settle_until(pilot, lambda a: a.customer_id == 1, "the customer")
        await pilot.press("f10")
        await settle(pilot)
        await type_text(pilot, "create a comm")
        await pilot.press("enter")
        await settle_until(
            pilot, lambda a: bool(a.screen.query("#field-subject")), "the communication form"
        )
        subject = app.screen.query_one("#field-subject", Input)
        subject.focus()
        await pilot.pause()
        await paste(pilot, "Bill question")
        assert subject.value == "Bill question"
        subject.value = ""
        await paste(pilot, "s" * 10_000)
        assert len(subject.value) == subject.max_length
        assert any("characters were kept" in n for n in notices(app))


def test_a_bracketed_paste_on_a_real_terminal_goes_in_once(
    demo_engine: Engine, tmp_path: Path
) -> None:
    url = demo_engine.url.render_as_string(hide_password=False)
    with PtyConsole(url, cols=80, rows=24, env={"HOME": str(tmp_path)}) as console:
        console.wait_for("Find a customer")
        console.type(f"{START}Zyxwv{END}")
        until(
            lambda: console.row_of("Zyxwv") is not None, what="the pasted search", console=console
        )
        assert "ZyxwvZyxwv" not in console.text
        console.press("f10")
        console.wait_for("Type to filter")
        console.type("log person")
        until(
            lambda: (
                console.shows("Log Person Information")
                and not console.shows("Log Company Information")
            ),
            what="the filtered panel",
            console=console,
        )
        console.press("enter")
        console.wait_for("First name")
        console.press("tab")
        console.type(f"{START}Qwertz{END}")
        until(
            lambda: console.row_of("Qwertz") is not None,
            what="the pasted first name",
            console=console,
        )
        assert "QwertzQwertz" not in console.text
