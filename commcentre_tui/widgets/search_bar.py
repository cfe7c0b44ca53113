"""The Quick Search bar: field selector, operator (= / Like) and value; Enter searches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Select

from commcentre_tui.catalog import FIELD_LABELS
from commcentre_tui.support.loading import focus_now

#: The operator choices as the seed names them.
OPERATORS: list[tuple[str, str]] = [("Like", "like"), ("=", "=")]


class SearchBar(Horizontal):
    """One line: ``Search [field ▼] [op ▼] [value………]``; posts :class:`Submitted` on Enter."""

    DEFAULT_CSS = """
    SearchBar { height: 1; width: 1fr; }
    SearchBar > Label { width: auto; padding: 0 1 0 1; text-style: bold; }
    SearchBar > #field { width: 24; }
    SearchBar > #op { width: 9; margin: 0 1; }
    SearchBar > #value { width: 1fr; }
    """

    @dataclass
    class Submitted(Message):
        """Enter was pressed in the value: search ``field`` ``op`` ``value``."""

        field: str
        op: str
        value: str

    def __init__(
        self, fields: Sequence[str], *, default_field: str, default_op: str, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.fields = list(fields)
        self.default_field = default_field if default_field in self.fields else self.fields[0]
        self.default_op = default_op

    def compose(self) -> ComposeResult:
        yield Label("Search")
        yield Select(
            [(FIELD_LABELS.get(f, f), f) for f in self.fields],
            value=self.default_field,
            allow_blank=False,
            compact=True,
            id="field",
            tooltip="The field to search; “Any field” lets the value decide.",
        )
        yield Select(
            OPERATORS,
            value=self.default_op,
            allow_blank=False,
            compact=True,
            id="op",
            tooltip="Like: starts with (Mar), ends with (%ria), contains (%ari%); the last two need "
            "3+ characters. =: exact match.",
        )
        yield Input(
            placeholder="name, phone, email or number, then Enter", compact=True, id="value"
        )

    @property
    def value_input(self) -> Input:
        return self.query_one("#value", Input)

    def focus_value(self, *, at_once: bool = True) -> None:
        """Put the cursor in the value, its text selected so typing replaces it (``at_once``: the
        keys typed right after F2 land here; on mount Textual's own deferred focus, which also
        places the terminal's cursor in the box for the first frame)."""
        box = self.value_input
        if at_once:
            focus_now(box)
        else:
            box.focus()
        box.select_all()

    @property
    def dropdown_open(self) -> bool:
        """Whether one of the bar's dropdowns (field, operator) is open."""
        return any(select.expanded for select in self.query(Select))

    @property
    def field(self) -> str:
        return str(self.query_one("#field", Select).value)

    @property
    def op(self) -> str:
        return str(self.query_one("#op", Select).value)

    def set_query(self, field: str, op: str, value: str) -> None:
        """Show a search in the bar (e.g. when a search is re-run from history)."""
        if field in self.fields:
            self.query_one("#field", Select).value = field
        self.query_one("#op", Select).value = op
        self.value_input.value = value

    @on(Input.Submitted, "#value")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(self.field, self.op, event.value.strip()))
