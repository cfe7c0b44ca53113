"""Advanced Search: a condition builder (field, operator, value per row; all must hold)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from commcentre_tui.catalog import FIELD_LABELS
from commcentre_tui.keys import bind
from commcentre_tui.repo.search.parse import short_inside
from commcentre_tui.widgets.footer import ConsoleFooter
from commcentre_tui.widgets.search_bar import OPERATORS


class ConditionRow(Horizontal):
    """One condition: ``[field ▼] [op ▼] [value] [✕]``."""

    DEFAULT_CSS = """
    ConditionRow { height: 1; margin-bottom: 1; }
    ConditionRow > .field { width: 24; }
    ConditionRow > .op { width: 9; margin: 0 1; }
    ConditionRow > Input { width: 1fr; }
    ConditionRow > Button { width: 5; min-width: 5; margin-left: 1; }
    """

    def __init__(self, fields: Sequence[str], field: str, op: str, value: str = "") -> None:
        super().__init__(classes="condition")
        self.fields = list(fields)
        self.initial = (field if field in self.fields else self.fields[0], op, value)

    def compose(self) -> ComposeResult:
        field, op, value = self.initial
        yield Select(
            [(FIELD_LABELS.get(f, f), f) for f in self.fields],
            value=field,
            allow_blank=False,
            compact=True,
            classes="field",
        )
        yield Select(OPERATORS, value=op, allow_blank=False, compact=True, classes="op")
        yield Input(value, placeholder="value — Enter searches", compact=True, classes="value")
        yield Button("✕", compact=True, classes="remove", tooltip="Remove this condition")

    @property
    def condition(self) -> tuple[str, str, str]:
        field = self.query_one(".field", Select).value
        op = self.query_one(".op", Select).value
        return str(field), str(op), self.query_one(".value", Input).value.strip()

    def focus_value(self) -> None:
        self.query_one(".value", Input).focus()


class AdvancedSearchScreen(ModalScreen[tuple[Any, ...] | None]):
    """Returns the conditions to search with, or ``None`` when cancelled (Escape)."""

    DEFAULT_CSS = """
    AdvancedSearchScreen { align: center middle; }
    AdvancedSearchScreen > #advanced {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    AdvancedSearchScreen #conditions { height: auto; max-height: 14; }
    AdvancedSearchScreen #advanced-help { color: $text-muted; margin-bottom: 1; }
    AdvancedSearchScreen #advanced-error { height: auto; }
    AdvancedSearchScreen #advanced-buttons { height: 1; margin-top: 1; }
    AdvancedSearchScreen #advanced-buttons > Button { margin-right: 2; }
    """

    BINDINGS = [
        bind("add_condition", "add_condition"),
        bind("remove_condition", "remove_condition"),
        bind("back", "cancel", label="Cancel"),
    ]

    def __init__(
        self,
        fields: Sequence[str],
        conditions: Sequence[Any] = (),
        default_op: str = "like",
        phone_region: str = "CY",
    ) -> None:
        super().__init__()
        self.fields = list(fields)
        self.initial = list(conditions)
        self.default_op = default_op
        self.phone_region = phone_region

    def compose(self) -> ComposeResult:
        with Vertical(id="advanced") as box:
            box.border_title = "Advanced Search"
            yield Static(
                "Every condition must hold. Like: Mar = starts with, %ria = ends with, "
                "%ari% = contains.",
                id="advanced-help",
            )
            with VerticalScroll(id="conditions"):
                if self.initial:
                    for c in self.initial:
                        yield ConditionRow(self.fields, c.field, c.op, c.value)
                else:
                    yield ConditionRow(self.fields, self.fields[0], self.default_op)
            yield Label("", id="advanced-error")
            with Horizontal(id="advanced-buttons"):
                yield Button("+Condition", compact=True, id="add")
                yield Button("Search", compact=True, variant="primary", id="run")
                yield Button("Cancel", compact=True, id="cancel")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.rows[0].focus_value()

    @property
    def rows(self) -> list[ConditionRow]:
        return list(self.query(ConditionRow).results(ConditionRow))

    async def action_add_condition(self) -> None:
        """Add an empty condition on the next field not used yet."""
        used = {row.condition[0] for row in self.rows}
        field = next((f for f in self.fields if f not in used), self.fields[0])
        row = ConditionRow(self.fields, field, self.default_op)
        await self.query_one("#conditions").mount(row)
        row.focus_value()

    def _row_of_focus(self) -> ConditionRow | None:
        node = self.focused
        while node is not None and not isinstance(node, ConditionRow):
            node = node.parent  # type: ignore[assignment]  # a widget's parent is a DOMNode; the walk stops at the screen
        return node

    def action_remove_condition(self, row: ConditionRow | None = None) -> None:
        """Remove the condition the cursor is in (the last one is emptied instead)."""
        row = row or self._row_of_focus() or self.rows[-1]
        rows = self.rows
        if len(rows) == 1:
            row.query_one(".value", Input).value = ""
            row.focus_value()
            return
        index = rows.index(row)
        row.remove()
        rest = [r for r in rows if r is not row]
        rest[min(index, len(rest) - 1)].focus_value()

    def action_cancel(self) -> None:
        """Close without searching."""
        self.dismiss(None)

    def action_run(self) -> None:
        """Search with the conditions; an empty one is refused with a sentence, never dropped."""
        from commcentre_tui.repo.search.api import Condition

        rows = self.rows
        conditions = tuple(Condition(f, op, v) for f, op, v in (r.condition for r in rows) if v)
        if not conditions:
            self._refuse("✗ Type a value in at least one condition.", rows[0])
            return
        empty = next((r for r in rows if not r.condition[2]), None)
        if empty is not None:
            label = FIELD_LABELS.get(empty.condition[0], empty.condition[0])
            self._refuse(
                f"✗ Condition {rows.index(empty) + 1} ({label}) has no value: type "
                f"one, or remove it with Ctrl+Delete.",
                empty,
            )
            return
        for row in rows:  # "ends with"/"contains" under three characters: said here, at once
            field, op, value = row.condition
            sentence = short_inside(field, op or self.default_op, value, self.phone_region)
            if sentence is not None:
                label = FIELD_LABELS.get(field, field)
                self._refuse(f"✗ Condition {rows.index(row) + 1} ({label}): {sentence}", row)
                return
        self.dismiss(conditions)

    def _refuse(self, sentence: str, row: ConditionRow) -> None:
        """Say why the search did not run and put the cursor in the condition to fix."""
        self.query_one("#advanced-error", Label).update(Text(sentence))
        row.focus_value()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed)
    async def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "add":
            await self.action_add_condition()
        elif event.button.id == "run":
            self.action_run()
        elif event.button.id == "cancel":
            self.action_cancel()
        elif event.button.has_class("remove"):
            parent = event.button.parent
            if isinstance(parent, ConditionRow):
                self.action_remove_condition(parent)
