"""The console's welcome text (shown until the first search), with each key written as the
agent's ``[ui] keymap`` maps it."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from commcentre_tui.keys import KEYS


def key_words(keymap: Mapping[str, str], key_id: str) -> str:
    """How the (possibly remapped) key of ``key_id`` is written: ``F2``, ``Ctrl+O``."""
    key = (keymap.get(key_id) or KEYS[key_id].keys).split(",")[0]
    if len(key) == 1:
        return key
    parts = [p.upper() if len(p) == 1 else p.capitalize() for p in key.split("+")]
    return "+".join(parts).replace("Escape", "Esc")


def welcome_text(keymap: Mapping[str, str]) -> Text:
    """The console's welcome: how to find a customer, the main keys (as ``keymap`` maps them)."""

    def k(key_id: str) -> str:
        return key_words(keymap, key_id)

    text = Text()
    text.append("Find a customer\n\n", style="bold")
    text.append(
        "Type a name, phone number, email, or a customer, account or subscription\n"
        "number in the search bar and press Enter. "
        f"{k('quick_search')} puts the cursor there.\n\n"
    )
    for key_id, words in (
        ("advanced_search", "Advanced Search: several conditions at once"),
        ("latest_communications", "Latest Communications: your own recent ones"),
        ("my_work", "My Work: tasks, cases, drafts and failed messages waiting for you"),
    ):
        text.append(f"  {k(key_id):<8}", style="bold")
        text.append(f"{words}\n")
    text.append("  Ctrl+P  ", style="bold")
    text.append("every command by name\n")
    text.append("  Ctrl+Q  ", style="bold")
    text.append("quit\n\n")
    text.append("With a customer loaded: ")
    text.append(f"{k('tab_dashboard')}–{k('tab_rewards')}", style="bold")
    text.append(" switch tabs, Enter or ")
    text.append("v", style="bold")
    text.append(" views a record, ")
    text.append(k("add_more_information"), style="bold")
    text.append(" adds phones, emails and addresses, ")
    text.append("Esc", style="bold")
    text.append(" goes back.")
    return text
