"""The console's key table: one place for every binding id, default key, label and tooltip.

Bindings are built from here, so ``[ui] keymap`` in config (binding id → keys) remaps any of them,
and ``docs/console.md`` documents the same table. F-keys (and Ctrl keys that Textual's ``Input``
does not use) work while the agent is typing in the search bar.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    """A default key: id (for the keymap), keys, footer label, tooltip."""

    id: str
    keys: str
    label: str
    tooltip: str


KEYS: dict[str, Key] = {
    k.id: k
    for k in (
        Key("quick_search", "f2", "Search", "Quick Search: put the cursor in the search bar."),
        Key("advanced_search", "f3", "Advanced", "Advanced Search: combine several conditions."),
        Key(
            "latest_communications",
            "f4",
            "Latest",
            "Latest Communications: your own recent communications; Enter loads the customer.",
        ),
        Key("tab_dashboard", "f5", "Dashboard", "Show the Dashboard tab of the loaded customer."),
        Key("tab_subscriptions", "f6", "Subscriptions", "Show the customer's Subscriptions."),
        Key("tab_financials", "f7", "Financials", "Show the customer's accounts and transactions."),
        Key(
            "tab_care",
            "f8",
            "Customer Care",
            "Show the customer's care records and communications.",
        ),
        Key("tab_rewards", "f9", "Rewards", "Show the customer's reward transactions."),
        Key(
            "add_more_information",
            "ctrl+o",
            "Add info",
            "Add More Information: edit the customer's phones, emails and addresses.",
        ),
        Key(
            "reload_customer",
            "ctrl+r",
            "Reload",
            "Read the loaded customer again from the database.",
        ),
        Key(
            "dial",
            "ctrl+d",
            "Dial",
            "Click-to-dial: call the phone shown in the customer header from your extension (CTI).",
        ),
        Key(
            "my_work",
            "f11",
            "My Work",
            "My Work: everything waiting for you across customers; Enter opens it.",
        ),
        Key(
            "wallboard",
            "ctrl+f",
            "Wallboard",
            "Wallboard (supervisors): agents' states, the queue, today's figures and the trend, live.",
        ),
        Key(
            "actions",
            "f10,ctrl+t",
            "Actions",
            "The Action Panel: the allowed actions for the loaded customer (type to filter).",
        ),
        Key(
            "notifications",
            "ctrl+l",
            "Notifications",
            "Notifications: reminders, failed deliveries and telephony states kept until you "
            "acknowledge them.",
        ),
        Key("back", "escape", "Back", "Go back one step."),
        Key("view_record", "v", "View", "Open the highlighted record read-only."),
        Key("more_rows", "m", "More", "Load the next page of this list."),
        Key("add_condition", "ctrl+n", "+Condition", "Add a condition to the Advanced Search."),
        Key("remove_condition", "ctrl+delete", "Remove", "Remove the condition the cursor is in."),
        Key(
            "add_row",
            "ctrl+n",
            "+Row",
            "Add a row to the section the cursor is in (phones, emails or addresses).",
        ),
        Key("remove_row", "ctrl+delete", "Remove row", "Remove the row the cursor is in."),
        Key("save", "ctrl+s", "Save", "Validate and save the contact information."),
        Key("reload_form", "ctrl+r", "Reload", "Discard your edits and read the customer again."),
    )
}


#: The customer view's tabs in the seed's order (ids used by bindings and the palette).
TAB_IDS: tuple[str, ...] = ("dashboard", "subscriptions", "financials", "care", "rewards")


def keeps_tab(widget: object) -> bool:
    """Whether ``widget`` (the focused one) uses Tab itself rather than moving the focus: a text
    area that indents, or a field that says so (``wants_tab()``: a tag field with its list open)."""
    if getattr(widget, "tab_behavior", None) == "indent":
        return True
    wants = getattr(widget, "wants_tab", None)
    return bool(wants()) if callable(wants) else False


def bind(
    key_id: str, action: str, *, show: bool = True, priority: bool = False, label: str | None = None
) -> Binding:
    """The :class:`Binding` for ``key_id`` running ``action``."""
    key = KEYS[key_id]
    return Binding(
        key.keys,
        action,
        label or key.label,
        show=show,
        priority=priority,
        tooltip=key.tooltip,
        id=key_id,
    )
