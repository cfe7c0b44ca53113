"""Add More Information: the contact's preferences — language, opt-ins per media, custom fields.

:class:`TickBox` is the check box of this form: its state is a symbol (``▐✓▌`` on, ``▐ ▌`` off),
never carried by colour alone (it stays readable under ``NO_COLOR``).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Select

from commcentre_tui.repo.customer_info import MEDIA, MEDIA_WORDS, Preferences
from commcentre_tui.text import inert

#: Placeholder per custom field type.
PLACEHOLDERS = {"text": "text", "number": "a number, e.g. 12.5", "date": "YYYY-MM-DD"}


class TickBox(Checkbox):
    """A check box whose state is written: ``▐✓▌`` when ticked, ``▐ ▌`` when not."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return "✓" if self.value else " "


def stored_text(value: Any) -> str:
    """A stored custom value as the form shows it (``yes``/``no`` for booleans, blank for none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class PreferencesPanel(Vertical):
    """Language, one tick per media (ticked = the customer may be contacted that way), and one
    field per ``[contacts] custom_fields`` entry, each with its error line."""

    DEFAULT_CSS = """
    PreferencesPanel { height: auto; }
    PreferencesPanel .pref-row { height: 1; }
    PreferencesPanel .pref-row > Label { width: 22; }
    PreferencesPanel #pref-language { width: 12; }
    PreferencesPanel .pref-row > Input { width: 1fr; }
    PreferencesPanel .pref-row > Select { width: 12; }
    PreferencesPanel TickBox { width: auto; margin-right: 1; }
    PreferencesPanel .pref-error { height: auto; display: none; padding-left: 22; }
    PreferencesPanel .pref-error.-shown { display: block; }
    """

    def __init__(self, definitions: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.definitions = list(definitions)
        self.loaded = Preferences()

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pref-row"):
            yield Label("Preferred language")
            yield Input("", placeholder="en", compact=True, id="pref-language", max_length=10)
        yield Label("", id="pref-error-language", classes="pref-error")
        with Horizontal(classes="pref-row"):
            yield Label("May be contacted by")
            for media in MEDIA:
                yield TickBox(
                    MEDIA_WORDS[media],
                    True,
                    compact=True,
                    id=f"optin-{media}",
                    tooltip=f"Ticked: {MEDIA_WORDS[media]} allowed; not ticked: opted out",
                )
        for i, definition in enumerate(self.definitions):
            with Horizontal(classes="pref-row"):
                yield Label(Text(inert(definition.name) + (" *" if definition.required else "")))
                if definition.type == "bool":
                    yield Select(
                        [("yes", "yes"), ("no", "no")], prompt="—", compact=True, id=f"custom-{i}"
                    )
                else:
                    yield Input(
                        "",
                        placeholder=PLACEHOLDERS[definition.type],
                        compact=True,
                        id=f"custom-{i}",
                    )
            yield Label("", id=f"custom-error-{i}", classes="pref-error")

    # -- values --------------------------------------------------------------------------------
    def show(self, prefs: Preferences) -> None:
        """Fill the fields from ``prefs`` (edits are discarded)."""
        self.loaded = prefs
        self.query_one("#pref-language", Input).value = prefs.language
        for media in MEDIA:
            self.query_one(f"#optin-{media}", TickBox).value = media not in prefs.opted_out
        stored = prefs.custom()
        for i, definition in enumerate(self.definitions):
            text = stored_text(stored.get(definition.name))
            widget = self.query_one(f"#custom-{i}")
            if isinstance(widget, Select):
                widget.value = text if text in ("yes", "no") else Select.NULL
            else:
                widget.value = text  # type: ignore[attr-defined]  # the widget is an Input or a Select, both with value
        self.show_errors({})

    def _custom(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for i, definition in enumerate(self.definitions):
            widget = self.query_one(f"#custom-{i}")
            if isinstance(widget, Select):
                values[definition.name] = "" if widget.value is Select.NULL else str(widget.value)
            else:
                values[definition.name] = widget.value.strip()  # type: ignore[attr-defined]  # the widget is an Input or a Select, both with value
        return values

    def value(self) -> Preferences:
        """The preferences as typed (the service checks them)."""
        opted_out = frozenset(m for m in MEDIA if not self.query_one(f"#optin-{m}", TickBox).value)
        return Preferences(
            self.query_one("#pref-language", Input).value, opted_out, tuple(self._custom().items())
        )

    def state(self) -> tuple[Any, ...]:
        """What the agent typed, comparable with :meth:`saved_state`."""
        prefs = self.value()
        return (prefs.language.strip(), prefs.opted_out, tuple(self._custom().items()))

    def saved_state(self) -> tuple[Any, ...]:
        stored = self.loaded.custom()
        return (
            self.loaded.language,
            self.loaded.opted_out,
            tuple((d.name, stored_text(stored.get(d.name))) for d in self.definitions),
        )

    # -- errors --------------------------------------------------------------------------------
    def show_errors(self, errors: dict[str, str]) -> set[str]:
        """Show the errors that belong here beside their field; returns the keys it showed."""
        shown: set[str] = set()
        targets = {"preferences.language": "#pref-error-language"}
        targets |= {
            f"custom_fields.{d.name}": f"#custom-error-{i}" for i, d in enumerate(self.definitions)
        }
        for key, target in targets.items():
            message = errors.get(key)
            label = self.query_one(target, Label)
            label.set_class(bool(message), "-shown")
            label.update(Text(f"✗ {message}" if message else ""))
            if message:
                shown.add(key)
        return shown

    def focus_error(self, errors: dict[str, str]) -> bool:
        """Put the cursor in the first field with an error here (``True`` if there was one)."""
        if "preferences.language" in errors:
            self.query_one("#pref-language").focus()
            return True
        for i, d in enumerate(self.definitions):
            if f"custom_fields.{d.name}" in errors:
                self.query_one(f"#custom-{i}").focus()
                return True
        return False
