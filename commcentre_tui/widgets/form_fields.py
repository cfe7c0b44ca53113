"""The fields of an action form, built from their specs (``FormField``): a choice, several
lines, a check box or one bounded line, each with its label, help and error line."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Label, Select, Static, TextArea

from commcentre_tui.actions.spec import FormData, FormField
from commcentre_tui.text import inert
from commcentre_tui.widgets.bounded_input import BoundedInput

PLACEHOLDERS = {
    "date": "YYYY-MM-DD",
    "datetime": "YYYY-MM-DD HH:MM (your time zone)",
    "money": "0.00",
    "int": "0",
}

#: The most a one-line field takes when its spec names no limit (no one-line column is longer):
#: a stray long paste is cut here with a sentence instead of filling the field with pages.
ONE_LINE_LIMIT = 500


def field_row(spec: FormField, data: FormData) -> Vertical:
    """One field of an action form: its label (``*`` when required), the input, its help and
    the place for its error."""
    label = spec.label + (" *" if spec.required else "")
    widget = field_widget(spec, data)
    widget.add_class("input")
    error = Static("", id=f"error-{spec.name}", classes="field-error -empty")
    children: list[Widget] = [Label(Text(label)), widget, error]
    if spec.help:
        children.insert(2, Static(Text(spec.help), classes="help"))
    return Vertical(*children, classes="row", id=f"row-{spec.name}")


def field_default(spec: FormField, data: FormData) -> str:
    """The value a field starts with (a spec's default may read the form's data)."""
    return spec.default(data) if callable(spec.default) else spec.default


def field_widget(spec: FormField, data: FormData) -> Widget:
    """The input for ``spec``'s kind: a choice, several lines, a check box or one line."""
    wid = f"field-{spec.name}"
    default = field_default(spec, data)
    if spec.kind == "choice":
        options = (
            data.lists.get(spec.choices, [])
            if isinstance(spec.choices, str)
            else list(spec.choices)
        )
        values = [v for v, _ in options]
        initial = (
            default
            if default in values
            else (Select.NULL if not spec.required or not values else values[0])
        )
        return Select(
            [(Text(inert(label)), value) for value, label in options],
            id=wid,
            value=initial,
            allow_blank=not spec.required or not values,
            prompt=spec.placeholder or "Choose…",
        )
    if spec.kind == "multiline":
        area = TextArea(default, id=wid, soft_wrap=True, tab_behavior="focus")
        return area
    if spec.kind == "bool":
        return Checkbox(spec.label, value=default in ("1", "true", "yes", True), id=wid)
    return BoundedInput(
        value=default,
        id=wid,
        placeholder=spec.placeholder or PLACEHOLDERS.get(spec.kind, ""),
        max_length=spec.max_length or ONE_LINE_LIMIT,
    )
