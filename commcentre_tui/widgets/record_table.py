"""A read-only table of records: arrows move, Enter or ``v`` views a record, ``m`` loads more."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable, Label

from commcentre_tui.keys import bind
from commcentre_tui.repo.customer_detail import RecordRef
from commcentre_tui.support.format import DASH, one_line
from commcentre_tui.text import fold


class KeyTable(DataTable[Any]):
    """A row-cursor table where Home/End go to the first/last row.

    Columns have priorities: a column with a width identifies the row (a number, a date, a
    status) and keeps its width; the free-text columns (width ``None``) share the width the
    others leave, the narrowest need first, the last taking the rest. So tables fill an
    80-column terminal without a horizontal scrollbar and use the room of a wide one; free
    text cut there ends with "…" (the whole value: :meth:`detail`).
    """

    BINDINGS = [
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]

    #: Narrowest width of the flexible column.
    FLEX_MIN = 8

    #: The column that letters typed in the table jump to (type-ahead); ``None``: letters are
    #: left to the table's own keys (``v``, ``m`` …) and otherwise ignored.
    TYPE_AHEAD_COLUMN: int | None = None

    def __init__(self, columns: Sequence[tuple[str, int | None]] = (), **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.free_columns: list[int] = []
        """The free-text columns (indexes), which share the room the others leave."""
        self._column_spec = list(columns)
        self._typed = ""

    def on_key(self, event: events.Key) -> None:
        """Type-ahead: letters move to the next row whose first word starts with them."""
        column = self.TYPE_AHEAD_COLUMN
        if (
            column is None
            or not event.is_printable
            or not event.character
            or event.character.isspace()
            or not self.row_count
        ):
            return
        event.stop()
        event.prevent_default()
        texts = [fold(str(self.get_row_at(i)[column])) for i in range(self.row_count)]
        here = self.cursor_row
        typed = self._typed + fold(event.character)
        if not (0 <= here < len(texts) and texts[here].startswith(typed)):
            typed = fold(event.character)  # a new word: search from the next row
            order = [*range(here + 1, len(texts)), *range(0, here + 1)]
            row = next((i for i in order if texts[i].startswith(typed)), None)
            if row is None:
                self._typed = ""
                return
            self.move_cursor(row=row)
        self._typed = typed

    def on_mount(self) -> None:
        if self._column_spec:
            self.add_spec_columns(self._column_spec)

    def add_spec_columns(self, spec: Sequence[tuple[str, int | None]]) -> None:
        """Add columns ``(label, width)``: a ``None`` width is free text (shares the room
        left), a negative width fits the content."""
        for index, (label, width) in enumerate(spec):
            if width is None:
                self.free_columns.append(index)
                width = self.FLEX_MIN
            self.add_column(label, width=None if width < 0 else width)
        self.call_after_refresh(self.fit_columns)

    def _natural(self, index: int) -> int:
        """The width column ``index`` needs for its label and its widest value."""
        column = list(self.columns.values())[index]
        widths = [column.label.cell_len]
        for row in range(self.row_count):
            value = self.get_row_at(row)[index]
            widths.append(value.cell_len if isinstance(value, Text) else len(str(value)))
        return max(widths)

    def fit_columns(self) -> None:
        """Share the width the identifying columns leave among the free-text ones."""
        free = [i for i in self.free_columns if i < len(self.columns)]
        if not free:
            return
        columns = list(self.columns.values())
        others = sum(c.get_render_width(self) for i, c in enumerate(columns) if i not in free)
        width = self.content_width()
        if not width:
            return
        left = width - others - 2 * self.cell_padding * len(free)
        natural = {i: self._natural(i) for i in free} if len(free) > 1 else {}
        sizes: dict[int, int] = {}
        for n, i in enumerate(sorted(free, key=lambda i: natural.get(i, 0))):
            if n == len(free) - 1:
                size = max(self.FLEX_MIN, left)
            else:
                size = max(self.FLEX_MIN, min(natural[i], left // (len(free) - n)))
            left -= size
            sizes[i] = size
        self.set_widths(sizes)

    def content_width(self) -> int:
        """The cells' width: the table's, less a vertical scrollbar when the rows need one
        (decided from the row count, not from whether it is drawn yet, so the result does not
        depend on timing)."""
        width = self.size.width - self.styles.gutter.width
        if not width:
            return 0
        lines = self.row_count + (self.header_height if self.show_header else 0)
        if lines > self.size.height - self.styles.gutter.height:
            width -= self.styles.scrollbar_size_vertical
        return width

    def set_widths(self, sizes: dict[int, int]) -> None:
        """Give column ``i`` the fixed width ``sizes[i]``; redraw only if one changed."""
        columns = list(self.columns.values())
        changed = False
        for i, size in sizes.items():
            column = columns[i]
            if column.width != size or column.auto_width:
                column.width, column.auto_width, changed = size, False, True
        if changed:
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()

    def detail(self) -> Text:
        """The highlighted row's whole values on one (folding) line: ``A · B · Label: text``,
        the first value bold, free text labelled; nothing without rows."""
        if not (0 <= self.cursor_row < self.row_count):
            return Text()
        labels = [c.label.plain for c in self.columns.values()]
        text = Text(no_wrap=False, overflow="fold")
        for n, value in enumerate(self.get_row_at(self.cursor_row)):
            plain = value.plain if isinstance(value, Text) else str(value)
            if not plain.strip() or plain == DASH:
                continue
            if text:
                text.append(" · ")
            if n in self.free_columns and n:
                text.append(f"{labels[n]}: ", style="italic")
            text.append(plain, style="bold" if n == 0 else "")
        return text

    def measure_now(self) -> None:
        """Measure rows just added now, not when the table is next idle, and fit the columns.

        Textual's DataTable measures new rows on idle, which lays the screen out a second time
        just after the frame that shows them; measured here, one layout shows them (keeps a
        search, a customer load and a tab switch to one layout each). Uses DataTable's own
        measuring steps, as its ``_on_idle`` does (Textual 8).
        """
        if self._updated_cells:
            updated = self._updated_cells.copy()
            self._updated_cells.clear()
            self._update_column_widths(updated)
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)
        self.fit_columns()

    def on_resize(self) -> None:
        self.fit_columns()

    def action_first_row(self) -> None:
        """Go to the first row."""
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        """Go to the last row."""
        self.move_cursor(row=max(self.row_count - 1, 0))


class RecordTable(KeyTable):
    """Rows keyed by :class:`RecordRef`; the owner fills it with :meth:`show`."""

    DEFAULT_CSS = """
    RecordTable { height: auto; max-height: 100%; }
    """

    BINDINGS = [
        bind("view_record", "view"),
        bind("more_rows", "more"),
    ]

    @dataclass
    class ViewRequested(Message):
        """The agent asked to view ``ref``."""

        table: RecordTable
        ref: RecordRef

        @property
        def control(self) -> RecordTable:
            return self.table

    @dataclass
    class Highlighted(Message):
        """The row under the cursor (or the rows) changed: its detail line is out of date."""

        table: RecordTable

        @property
        def control(self) -> RecordTable:
            return self.table

    @dataclass
    class MoreRequested(Message):
        """The agent asked for the next page of this table."""

        table: RecordTable

        @property
        def control(self) -> RecordTable:
            return self.table

    def __init__(
        self, columns: Sequence[tuple[str, int | None]], *, empty: str = "None.", **kwargs: Any
    ) -> None:
        super().__init__(columns, **kwargs)
        self.empty_text = empty
        self.has_more = False
        self._viewable = False
        self._empty = False
        self._refs: list[RecordRef | None] = []

    def render_line(self, y: int) -> Strip:
        """The "nothing here" row across the whole width: in its first column alone it was cut
        ("No accoun") at 80 columns."""
        first_row = self.header_height if self.show_header else 0
        if not self._empty or y != first_row or self.scroll_offset.y:
            return super().render_line(y)
        style = self.rich_style + Style(italic=True)
        if self.has_focus and self.show_cursor:
            style += self.get_component_rich_style("datatable--cursor")
        width = self.size.width
        line = (" " * self.cell_padding + self.empty_text)[:width].ljust(width)
        return Strip([Segment(line, style)], width)

    def show(
        self,
        rows: Iterable[tuple[RecordRef | None, Sequence[Any]]],
        *,
        has_more: bool = False,
        append: bool = False,
    ) -> None:
        """Replace (or extend) the rows; cells are inert text. Replaced rows that still hold the
        record under the cursor (a refresh of the same customer) keep the cursor on it."""
        kept = None if append else self.current_ref
        if not append or not any(self._refs):
            self.clear()
            self._refs = []
        row_index = self.cursor_row
        for ref, values in rows:
            self._refs.append(ref)
            self.add_row(*(one_line(v) for v in values))
        self._empty = not self._refs
        if self._empty:
            self._refs.append(None)
            self.add_row(
                Text(self.empty_text, style="italic"), *([""] * (len(self._column_spec) - 1))
            )
        viewable = any(self._refs)
        if has_more != self.has_more or viewable != self._viewable:
            self.has_more, self._viewable = has_more, viewable
            self.refresh_bindings()  # "m More" / "v View" appear or go
        self.measure_now()
        self.call_after_refresh(self.fit_columns)
        if append:
            self.move_cursor(row=row_index + 1)
        elif kept is not None and kept in self._refs:
            self.move_cursor(row=self._refs.index(kept), animate=False)
        self.post_message(self.Highlighted(self))

    def detail(self) -> Text:
        """The highlighted record's whole values (or the whole "nothing here" sentence)."""
        if self._empty:
            return Text(self.empty_text, style="italic")
        return super().detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.post_message(self.Highlighted(self))  # (the event bubbles on to the owner too)

    @property
    def current_ref(self) -> RecordRef | None:
        """The record under the cursor, if any."""
        if 0 <= self.cursor_row < len(self._refs):
            return self._refs[self.cursor_row]
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "more":
            return self.has_more
        if action == "view":
            return self.current_ref is not None
        return True

    def action_view(self) -> None:
        """View the record under the cursor."""
        ref = self.current_ref
        if ref is not None:
            self.post_message(self.ViewRequested(self, ref))

    def action_more(self) -> None:
        """Ask the owner for the next page."""
        if self.has_more:
            self.post_message(self.MoreRequested(self))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_view()


class Section(Vertical):
    """A titled block: a one-line title above its content."""

    DEFAULT_CSS = """
    Section { height: auto; margin-bottom: 1; }
    Section > .section-title { text-style: bold; color: $text-accent; width: 1fr; }
    """

    def __init__(self, title: str, *children: Any, **kwargs: Any) -> None:
        super().__init__(*children, **kwargs)
        self._title = title

    def on_mount(self) -> None:
        self.mount(Label(Text(self._title), classes="section-title"), before=0)

    def set_title(self, title: str) -> None:
        """Change the title text (plain, inert)."""
        self._title = title
        for label in self.query_children(".section-title").results(Label):
            label.update(Text(title))
