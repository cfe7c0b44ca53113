"""The Action Panel and the action-form modal, driven with Pilot on a small host app."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widgets import Input, OptionList, Static

from commcentre_tui.actions.offer import offered_actions
from commcentre_tui.actions.spec import ActionSpec, FormData, FormField, SaveResult
from commcentre_tui.config import load_settings
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.errors import RuleViolation, ValidationFailed
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.screens.actions.panel import ActionPanel


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.settings = load_settings()
        self.engine = None
        self.actor = Actor(agent_id=1, username="tester")
        self.results: list[Any] = []


def make_spec(calls: list[dict[str, Any]], fail_with: Exception | None = None) -> ActionSpec:
    def submit(_ctx: Any, _data: FormData, values: dict[str, Any]) -> SaveResult:
        if fail_with is not None:
            raise fail_with
        if values["email"] and "@" not in values["email"]:
            raise ValidationFailed("Enter an email address like name@example.com.", "email")
        calls.append(values)
        return SaveResult(f"Saved {values['name']}.", contact_id=7)

    return ActionSpec(
        name="Test Action",
        group="CRM",
        fields=(
            FormField("name", "Name", required=True),
            FormField("email", "Email"),
            FormField(
                "kind", "Kind", kind="choice", choices=[("a", "Alpha"), ("b", "Beta")], default="b"
            ),
        ),
        submit=submit,
    )


async def open_form(pilot: Any, spec: ActionSpec) -> ActionFormScreen:
    app = pilot.app
    screen = ActionFormScreen(spec, FormData(contact_id=7))
    app.push_screen(screen, app.results.append)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_required_field_message_shows_beside_the_field_and_nothing_is_saved() -> None:
    calls: list[dict[str, Any]] = []
    app = Host()
    async with app.run_test() as pilot:
        screen = await open_form(pilot, make_spec(calls))
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = screen.query_one("#error-name", Static)
        assert "Name is required." in str(error.render())
        assert calls == [] and app.screen is screen


async def test_service_validation_error_lands_beside_its_field_then_save_succeeds() -> None:
    calls: list[dict[str, Any]] = []
    app = Host()
    async with app.run_test() as pilot:
        screen = await open_form(pilot, make_spec(calls))
        await pilot.press(*"Anna")
        await pilot.press("tab", *"not-an-email")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "name@example.com" in str(screen.query_one("#error-email", Static).render())
        assert screen.query_one("#field-email", Input).has_focus
        screen.query_one("#field-email", Input).value = "anna@example.com"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert calls == [{"name": "Anna", "email": "anna@example.com", "kind": "b"}]
    assert app.results[-1] == SaveResult("Saved Anna.", contact_id=7)


async def test_rule_violation_is_a_notification_and_the_form_stays() -> None:
    app = Host()
    async with app.run_test() as pilot:
        screen = await open_form(
            pilot, make_spec([], RuleViolation("That period is already billed."))
        )
        await pilot.press(*"Anna", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#field-name", Input).value == "Anna"
        assert any("already billed" in n.message for n in app._notifications)


async def test_escape_with_typed_data_asks_before_discarding() -> None:
    app = Host()
    async with app.run_test() as pilot:
        screen = await open_form(pilot, make_spec([]))
        await pilot.press(*"Half typed", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and screen.query_one("#field-name", Input).value == "Half typed"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert app.screen is not screen and app.results == [None]


async def test_escape_on_an_untouched_form_just_closes() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await open_form(pilot, make_spec([]))
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_panel_filters_as_you_type_and_enter_runs_the_highlighted_action() -> None:
    app = Host()
    chosen: list[str | None] = []
    async with app.run_test() as pilot:
        offered = offered_actions(app.settings, app.actor, customer_loaded=True)
        app.push_screen(ActionPanel(offered, customer="Anna Ioannou"), chosen.append)
        await pilot.pause()
        await pilot.press(*"pay a")
        options = app.screen.query_one(OptionList)
        enabled = [
            options.get_option_at_index(i)
            for i in range(options.option_count)
            if not options.get_option_at_index(i).disabled
        ]
        assert [o.id for o in enabled] == ["Pay a Bill"]
        await pilot.press("enter")
        await pilot.pause()
    assert chosen == ["Pay a Bill"]


async def test_panel_without_customer_offers_only_the_seeds_four() -> None:
    app = Host()
    async with app.run_test() as pilot:
        offered = offered_actions(app.settings, app.actor, customer_loaded=False)
        app.push_screen(ActionPanel(offered, customer=None))
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        ids = {options.get_option_at_index(i).id for i in range(options.option_count)} - {None}
    assert ids == {
        "Log Person Information",
        "Log Company Information",
        "Create new Account",
        "Retrieve Voucher Secret Number",
    }


async def test_enter_right_after_the_filter_text_runs_what_was_typed() -> None:
    """A paste of the name and its Enter arrive together: Enter runs the action typed, not the
    one highlighted before the list caught up with the text."""
    app = Host()
    chosen: list[str | None] = []
    async with app.run_test() as pilot:
        offered = offered_actions(app.settings, app.actor, customer_loaded=True)
        app.push_screen(ActionPanel(offered, customer="Anna Ioannou"), chosen.append)
        await pilot.pause()
        field = app.screen.query_one(Input)
        with field.prevent(Input.Changed):  # the list has not caught up with the text yet
            field.insert_text_at_cursor("create a comm")
        await pilot.press("enter")
        await pilot.pause()
    assert chosen == ["Create a Communication"]
