"""The Action Panel: the allowed actions in their seed groups, type to filter, Enter runs one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from commcentre_tui.actions.offer import OfferedAction
from commcentre_tui.text import fold


def _words(text: str) -> set[str]:
    """The folded words of ``text``, hyphens as spaces, and each two neighbours joined
    (Follow-up and Follow Up: follow, up, followup)."""
    parts = fold(text).replace("&", " ").replace("-", " ").split()
    return set(parts) | {a + b for a, b in zip(parts, parts[1:], strict=False)}


def word_match(query: str, text: str) -> bool:
    """Whether every word of ``query`` starts a word of ``text`` (any order; case, accents,
    hyphens and spaces alike): "bill sub" and "sub bill" find Bill Subscriber, "follow up" and
    "followup" find Add a Follow-up. From three letters on, inside a word counts too
    ("voucher" finds Cancel eVoucher)."""
    wanted = [w for w in fold(query).replace("-", " ").split() if w]
    words = _words(text)
    return all(
        any(word.startswith(w) or (len(w) >= 3 and w in word) for word in words) for w in wanted
    )


def _plain(text: str) -> str:
    return " ".join(fold(text).replace("-", " ").split())


def closeness(query: str, name: str, keywords: str = "") -> int:
    """How well an action fits what was typed (lower is closer): 0 its name or one of its
    keywords ("complete": Update Job Status); 1 the name holds it as typed ("follow-up": Add
    a Follow-up); 2 the name with hyphens as spaces ("follow-up": Follow Up); 3 the name
    starts with it; 4 it only has its words."""
    typed, folded = " ".join(fold(query).split()), fold(name)
    if folded == typed or typed in fold(keywords).split():
        return 0
    if typed in folded:
        return 1
    plain_typed, plain = _plain(query), _plain(name)
    return 2 if plain == plain_typed else 3 if plain.startswith(plain_typed) else 4


def filter_actions(offered: list[OfferedAction], query: str) -> list[OfferedAction]:
    """The actions ``query`` finds, the closest kind of match that finds any: the words as
    typed, together ("pay a": Pay a Bill; hyphens as spaces); else every word anywhere
    (:func:`word_match` on the name and keywords: "sub bill"); else Textual's fuzzy matcher on
    the name ("lgprsn"), as the palette's."""
    if not query.strip():
        return list(offered)
    phrase = _plain(query)
    together = [a for a in offered if phrase in _plain(f"{a.name} {a.keywords}")]
    if together:
        return together
    by_words = [a for a in offered if word_match(query, f"{a.name} {a.keywords}")]
    if by_words:
        return by_words
    from textual.fuzzy import Matcher

    matcher = Matcher("".join(query.split()))
    return [a for a in offered if matcher.match(a.name) > 0]


class ActionPanel(ModalScreen[str | None]):
    """Lists ``offered`` actions; dismisses with the chosen action name or ``None``."""

    DEFAULT_CSS = """
    ActionPanel { align: center middle; }
    ActionPanel > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $panel; padding: 0 1;
    }
    ActionPanel #panel-title { text-style: bold; }
    ActionPanel OptionList { height: auto; max-height: 18; }
    ActionPanel #panel-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding(
            "escape", "dismiss_panel", "Back", id="panel_close", tooltip="Close the Action Panel"
        ),
        Binding("down", "move(1)", "Next", id="panel_down", show=False),
        Binding("up", "move(-1)", "Previous", id="panel_up", show=False),
        # Not a priority binding: in the filter, Enter is the Input's own (Submitted, below), so it
        # comes after the keys typed before it (a fast typist, a paste, keys over SSH).
        Binding("enter", "run", "Run", id="panel_run", tooltip="Run the highlighted action"),
    ]

    def __init__(self, offered: list[OfferedAction], *, customer: str | None) -> None:
        super().__init__()
        self.offered = offered
        self.customer = customer
        self._filled: str | None = None
        """The filter text the list shows."""

    def compose(self) -> ComposeResult:
        with Vertical():
            who = f"for {self.customer}" if self.customer else "(no customer loaded)"
            yield Static(Text(f"Actions {who}"), id="panel-title")
            yield Input(placeholder="Type to filter…", id="panel-filter")
            yield OptionList(id="panel-options", markup=False)
            yield Static("↑↓ choose · Enter run · Esc back", id="panel-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#panel-filter", Input).focus()

    def _fill(self, text: str) -> None:
        self._filled = text
        shown = filter_actions(self.offered, text)
        options = self.query_one("#panel-options", OptionList)
        options.clear_options()
        group = None
        for action in shown:
            if action.group != group:
                group = action.group
                options.add_option(Option(Text(f"── {group}", style="bold"), disabled=True))
            options.add_option(Option(Text(f"  {action.name}"), id=action.name))
        # The cursor on the closest match: the name typed in full, else one starting with it.
        best = min(shown, key=lambda a: closeness(text, a.name, a.keywords), default=None)
        options.highlighted = options.get_option_index(best.name) if best is not None else None

    @on(Input.Changed, "#panel-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#panel-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def action_move(self, step: int) -> None:
        options = self.query_one("#panel-options", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_run(self) -> None:
        typed = self.query_one("#panel-filter", Input).value
        if typed != self._filled:  # Enter came before the list caught up
            self._fill(typed)  # (typed fast, or pasted with its Enter): run what was typed
        options = self.query_one("#panel-options", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if not option.disabled and option.id:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#panel-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(event.option.id)

    def action_dismiss_panel(self) -> None:
        self.dismiss(None)
