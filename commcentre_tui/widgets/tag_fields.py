"""Text fields with communication-tag auto-complete.

Typing ``{{`` in the subject or the content lists the matching tags (with an example value)
under the field: Up/Down choose, Enter or Tab insert the tag (closing ``}}`` included), Escape
closes the list. The subject also shows the first match inline (Right accepts it), through
Textual's :class:`~textual.suggester.Suggester`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, TextArea
from textual.widgets.option_list import Option

from commcentre_tui.comms.tags import Completion, open_tag, tag_completions
from commcentre_tui.widgets.bounded_input import BoundedInput

POPUP_SIZE = 8


class TagPopup(OptionList):
    """The list of tags matching what is typed after ``{{`` (never takes the focus)."""

    DEFAULT_CSS = """
    TagPopup { height: auto; max-height: 10; display: none; border: round $accent; margin: 0 1; }
    TagPopup.-open { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.can_focus = False
        self.completions: list[Completion] = []

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def show(self, completions: list[Completion]) -> None:
        """List ``completions`` (the first highlighted)."""
        self.completions = completions
        self.clear_options()
        self.add_options(
            [
                Option(
                    Text.assemble(
                        (c.tag, "bold"), "  ", (c.example, "italic"), f" — {c.description}"
                    )
                )
                for c in completions
            ]
        )
        self.highlighted = 0
        self.add_class("-open")
        self.call_after_refresh(self.scroll_visible)

    def hide(self) -> None:
        self.remove_class("-open")
        self.completions = []

    def move(self, delta: int) -> None:
        if self.completions:
            self.highlighted = ((self.highlighted or 0) + delta) % len(self.completions)

    def chosen(self) -> Completion | None:
        index = self.highlighted
        return (
            self.completions[index] if index is not None and index < len(self.completions) else None
        )


class TagSuggester(Suggester):
    """Inline suggestion of the first tag whose name starts with what is typed after ``{{``."""

    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        partial = open_tag(value)
        if partial is None:
            return None
        first = next(
            (c for c in tag_completions(value, limit=1) if c.tag.startswith(partial)), None
        )
        if first is None:
            return None
        return value[: len(value) - len(partial)] + first.insert


def _insertion(before: str, completion: Completion) -> tuple[int, str]:
    """How many characters before the cursor to replace, and with what."""
    partial = open_tag(before) or ""
    head = before[: len(before) - len(partial)]
    return len(partial), (" " if head.endswith("{") else "") + completion.insert


class _TagKeys:
    """Popup handling shared by :class:`TagInput` and :class:`TagTextArea`."""

    popup: TagPopup | None = None

    def before_cursor(self) -> str:
        raise NotImplementedError

    def insert_completion(self, completion: Completion) -> None:
        raise NotImplementedError

    def update_tags(self) -> None:
        """Show the tags matching what is typed after ``{{`` (or hide the list)."""
        if self.popup is None:
            return
        found = tag_completions(self.before_cursor(), limit=POPUP_SIZE)
        if found:
            self.popup.show(found)
        else:
            self.popup.hide()

    def wants_tab(self) -> bool:
        """Tab is this field's while its tag list is open (it takes the highlighted tag)."""
        return self.popup is not None and self.popup.is_open

    def tag_key(self, event: events.Key) -> bool:
        """Handle a key meant for the open tag list; ``True`` when it was."""
        popup = self.popup
        if (
            popup is None
            or not popup.is_open
            or event.key not in ("up", "down", "enter", "tab", "escape")
        ):
            return False
        event.stop()
        event.prevent_default()
        if event.key in ("up", "down"):
            popup.move(-1 if event.key == "up" else 1)
            return True
        chosen = popup.chosen()
        popup.hide()
        if event.key != "escape" and chosen is not None:
            self.insert_completion(chosen)
        return True


class TagInput(_TagKeys, BoundedInput):
    """A one-line field (the subject) with tag auto-complete."""

    def __init__(self, value: str = "", *, popup: TagPopup | None = None, **kwargs: Any) -> None:
        super().__init__(value, suggester=TagSuggester(), **kwargs)
        self.popup = popup

    def before_cursor(self) -> str:
        return self.value[: self.cursor_position]

    def insert_completion(self, completion: Completion) -> None:
        before = self.before_cursor()
        drop, text = _insertion(before, completion)
        head = before[: len(before) - drop]
        self.value = head + text + self.value[self.cursor_position :]
        self.cursor_position = len(head) + len(text)

    async def _on_key(self, event: events.Key) -> None:
        # Textual then runs the parent class's handler unless the tag list took the key.
        self.tag_key(event)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.update_tags()

    def on_blur(self) -> None:
        if self.popup is not None:
            self.popup.hide()


class TagTextArea(_TagKeys, TextArea):
    """A multi-line field (the content) with tag auto-complete."""

    def __init__(self, text: str = "", *, popup: TagPopup | None = None, **kwargs: Any) -> None:
        super().__init__(text, soft_wrap=True, tab_behavior="focus", **kwargs)
        self.popup = popup

    def before_cursor(self) -> str:
        row, column = self.cursor_location
        return self.document.get_line(row)[:column]

    def insert_completion(self, completion: Completion) -> None:
        row, column = self.cursor_location
        drop, text = _insertion(self.before_cursor(), completion)
        self.replace(text, (row, column - drop), (row, column), maintain_selection_offset=False)

    async def _on_key(self, event: events.Key) -> None:
        # Textual then runs the parent class's handler unless the tag list took the key.
        self.tag_key(event)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.update_tags()

    def on_blur(self) -> None:
        if self.popup is not None:
            self.popup.hide()
