"""Issue #10 scenario 5: hostile names are shown inert — never interpreted by the agent's terminal.

A customer whose name holds terminal escape sequences (an OSC 52 clipboard write, colours, an
8-bit CSI, a bell) and Rich markup (``[bold red]``) appears in the search results, the customer
header and the Customer Care tab with every control character made visible (``\\x1b``) and the
markup as literal text; what the console would write to the terminal holds no escape sequence
except Textual's own styling. Hostile text typed or pasted into the search bar and an action form
gives one sentence, never a traceback. The pure helpers are checked as properties.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine, func, select
from textual.widgets import DataTable, Input, Static

from commcentre_tui import models as m
from commcentre_tui.app import create_app
from commcentre_tui.config import Settings
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.cases import open_case
from commcentre_tui.services.contacts import log_person
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.support.format import cell
from commcentre_tui.text import inert, quoted
from commcentre_tui.widgets.customer_header import CustomerHeader
from tests.console.conftest import _deterministic, settle, table_rows  # noqa: F401 - fixture
from tests.reliability.strategies import FUZZ, hostile_text

FIRST = "Eve\x1b]52;c;cHduZWQ=\x07"
LAST = "[bold red]Mallory\x1b[31mpwned\x1b[0m\x9b2J"
SUBJECT = "[link=https://evil.example]Refund[/link]\x1b]8;;https://evil.example/\x1b\\"
#: The control characters a terminal acts on: C0 (but not the newline Textual never emits
#: inside a line), DEL and C1.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
#: Textual's own output: CSI sequences (colours, cursor moves, synchronised updates).
TEXTUAL_CSI = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]")


def terminal_output(app: Any) -> str:
    """Exactly what the console would write to the terminal to draw the current screen."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)


def assert_inert(shown: str) -> None:
    """Nothing a terminal would interpret: no control character at all."""
    assert not CONTROLS.search(shown), repr(CONTROLS.search(shown))


# -- pure helpers -------------------------------------------------------------------------------
@given(value=hostile_text)
@FUZZ
def test_inert_text_has_no_control_characters_and_keeps_markup_literal(value: str) -> None:
    shown = inert(value)
    assert_inert(shown)
    assert all(ch.isprintable() or ch == " " for ch in shown)
    assert Text(shown).plain == shown  # a Text never parses markup: "[bold red]" stays literal
    if value.isprintable():
        assert shown == value  # ordinary text is shown unchanged
    assert cell(value).plain == shown  # table cells show the same inert text
    line = quoted(value)  # how error sentences quote what was typed
    assert_inert(line)
    assert len(line) <= 41


@given(value=hostile_text)
@FUZZ
def test_a_rendered_inert_value_writes_no_escape_sequence(value: str) -> None:
    console = Console(width=80, force_terminal=True, color_system="truecolor", legacy_windows=False)
    with console.capture() as capture:
        console.print(Text(inert(value), style="bold"), end="")
    assert_inert(TEXTUAL_CSI.sub("", capture.get()))


# -- the console ----------------------------------------------------------------------------------
def hostile_customer(engine: Engine, settings: Settings, actor: Actor) -> int:
    """A customer whose stored name and case subject hold escapes and markup. The services refuse
    control characters (issue #18), so such text comes from older data or another program: it is
    written past them, as those would have."""
    ctx = ServiceContext(engine, settings, actor)
    log_person(ctx, {"first_name": "Plain", "last_name": "Mallory"})
    contact_id = log_person(
        ctx,
        {"first_name": "Eve", "last_name": "Mallory", "emails": [{"address": "eve@example.com"}]},
    ).contact_id
    open_case(ctx, {"contact_id": contact_id, "subject": "Refund"})
    with transaction(engine) as session:
        contact = session.get(m.Contact, contact_id)
        assert contact is not None
        contact.first_name, contact.last_name = FIRST, LAST
        case = session.execute(select(m.Case).where(m.Case.contact_id == contact_id)).scalar_one()
        case.subject = SUBJECT
    return contact_id


async def search(pilot: Any, value: str) -> None:
    """Paste ``value`` into the search bar and press Enter."""
    await pilot.press("f2")
    pilot.app.screen.query_one("#search-bar #value", Input).value = value
    await pilot.press("enter")
    await settle(pilot)


async def test_hostile_name_is_shown_inert_in_results_header_and_tabs(
    engine: Engine, settings: Settings, admin_actor: Actor
) -> None:
    contact_id = hostile_customer(engine, settings, admin_actor)
    app = create_app(settings=settings, engine=engine, actor=admin_actor)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await search(pilot, "%mallory%")
        rows = table_rows(app.screen.query_one("#results-table", DataTable))
        assert len(rows) == 2
        shown = " ".join(cell for row in rows for cell in row)
        assert "Eve\\x1b]52;c;cHduZWQ=" in shown  # (the name column is cut to its width)
        assert_inert(shown)
        assert_inert(TEXTUAL_CSI.sub("", terminal_output(app)))

        row = next(i for i, r in enumerate(rows) if "Eve" in " ".join(r))
        app.screen.query_one("#results-table", DataTable).move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        assert app.customer_id == contact_id
        header = str(app.screen.query_one(CustomerHeader).render())
        assert (
            "Eve\\x1b]52;c;cHduZWQ=\\x07 [bold red]Mallory\\x1b[31mpwned\\x1b[0m\\x9b2J" in header
        )
        assert_inert(header)

        await pilot.press("f8")
        await settle(pilot)
        care = " ".join(
            c for r in table_rows(app.screen.query_one("#care-table", DataTable)) for c in r
        )
        assert "[link=https://evil.example]Refund" in care
        assert_inert(care)
        output = terminal_output(app)
        assert "\x1b[31mpwned" not in output and "\x1b]52" not in output
        assert_inert(TEXTUAL_CSI.sub("", output))


async def test_hostile_search_input_gives_a_sentence_not_a_traceback(
    engine: Engine, settings: Settings, admin_actor: Actor
) -> None:
    hostile_customer(engine, settings, admin_actor)
    app = create_app(settings=settings, engine=engine, actor=admin_actor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for value in [
            "%",
            "'; DROP TABLE contact; --",
            "\x00",
            "a\ud800",
            "\x1b]52;c;YQ==\x07",
            "[bold red]x[/]",
            "%_%",
            "x" * 10_000,
            "C0000001",
            "+357 99 123456",
        ]:
            await search(pilot, value)
            status = str(app.screen.query_one("#results-status", Static).render())
            assert status.strip() and "Traceback" not in status and "Error" not in status, status
            assert_inert(status)
            notes = [n.message for n in app._notifications]
            assert not any(
                "Traceback" in n or "sqlalchemy" in n or "psycopg" in n for n in notes
            ), notes
        with reading(engine) as session:
            assert session.execute(select(func.count()).select_from(m.Contact)).scalar_one() == 2


async def test_hostile_input_in_an_action_form_is_refused_beside_its_field_and_kept(
    engine: Engine, settings: Settings, admin_actor: Actor
) -> None:
    from commcentre_tui.screens.actions.form import ActionFormScreen
    from commcentre_tui.screens.actions.panel import ActionPanel

    contact_id = hostile_customer(engine, settings, admin_actor)
    app = create_app(settings=settings, engine=engine, actor=admin_actor)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.load_customer(contact_id, focus=True)
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, ActionPanel)
        await pilot.press(*"open a case", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen) and form.spec.name == "Open a Case"
        subject = form.query_one("#field-subject", Input)
        subject.focus()
        await pilot.press(*"[bold red]'; DROP TABLE care_case; --")  # typed key by key
        subject.value += "\x00\x1b]52;c;YQ==\x07"  # and a paste with what no column can hold
        typed = subject.value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form, "the form stays open with what was typed"
        assert subject.value == typed
        error = str(form.query_one("#error-subject", Static).render())
        assert (
            error == "✗ Subject contains a NUL character (\\x00), which cannot be saved; remove it."
        )
        notes = [n.message for n in app._notifications]
        assert not any("Could not complete" in n or "Traceback" in n for n in notes), notes

        subject.value = typed.replace("\x00", "")  # the agent removes the NUL and saves again
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form, "the other control characters are refused the same way"
        error = str(form.query_one("#error-subject", Static).render())
        assert (
            error
            == "✗ Subject contains a control character (U+001B), which cannot be saved; remove it."
        )

        subject.value = CONTROLS.sub("", typed)  # the agent removes them too
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.console_screen
        await pilot.press("f8")
        await settle(pilot)
        care = " ".join(
            c for r in table_rows(app.screen.query_one("#care-table", DataTable)) for c in r
        )
        assert "[bold red]'; DROP TABLE care_case; --]52;c;YQ==" in care
        assert_inert(care)
    with reading(engine) as session:
        subjects = (
            session.execute(select(m.Case.subject).where(m.Case.contact_id == contact_id))
            .scalars()
            .all()
        )
    assert sorted(subjects) == sorted([SUBJECT, "[bold red]'; DROP TABLE care_case; --]52;c;YQ=="])
