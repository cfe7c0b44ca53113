"""Task reminders: the assigned agent is notified while working, and on start for missed ones.

Each reminder stays in the console's Notifications (``Ctrl+L``) until acknowledged.

A reminder names the customer ("… — María Hadjigeorgiou (C0000001)"); the open key (Ctrl+G,
keymap id ``reminder_open``) loads the customer of the latest reminder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

#: How often the console looks for reminders that fell due.
CHECK_SECONDS = 30.0
#: The key that opens the customer of the latest reminder, and its keymap id.
OPEN_KEY, OPEN_KEY_ID = "ctrl+g", "reminder_open"


def start_reminders(app: CommCentreApp, interval: float = CHECK_SECONDS) -> None:
    """Check now (catch-up for reminders missed while offline) and then every ``interval``."""
    if app.actor.agent_id is None:
        return
    _install_key(app)
    check_reminders(app)
    app.set_interval(interval, lambda: check_reminders(app), name="task-reminders")


def check_reminders(app: CommCentreApp) -> None:
    """Look for due reminders in a thread worker and notify the agent of each once."""
    app.run_worker(
        lambda: _due(app),
        thread=True,
        exclusive=True,
        group="task-reminders",
        exit_on_error=False,
        name="task-reminders",
    )


def _due(app: CommCentreApp) -> None:
    # (In the worker's thread: the models load here, not before the console's first frames.)
    try:
        _notify_due(app)
    finally:
        app.reminder_checks += 1


def _notify_due(app: CommCentreApp) -> None:
    from commcentre_tui.models.types import utcnow
    from commcentre_tui.repo.care_queries import due_reminders
    from commcentre_tui.repo.customer_info import contact_labels
    from commcentre_tui.services.context import ServiceContext
    from commcentre_tui.services.tasks import mark_reminded

    try:
        agent_id = app.actor.agent_id
        if agent_id is None:  # not an agent (a system actor): no reminders of its own
            return
        due = due_reminders(app.engine, agent_id, utcnow())
        if not due:
            return
        marked = set(
            mark_reminded(
                ServiceContext(app.engine, app.settings, app.actor), [r.task_id for r in due]
            )
        )
        labels = contact_labels(app.engine, [r.contact_id for r in due if r.contact_id])
    except Exception:  # noqa: BLE001 - reminders must never disturb the agent; retried next check
        return
    fresh = [(r, labels.get(r.contact_id)) for r in due if r.task_id in marked]
    if fresh:
        app.call_from_thread(_notify_all, app, fresh)


def key_label(app: CommCentreApp, key_id: str = OPEN_KEY_ID, default: str = OPEN_KEY) -> str:
    """How a key is written (the open key: ``Ctrl+G``, or the keymap's replacement)."""
    key = (app.settings.ui.keymap.get(key_id) or default).split(",")[0].strip()
    return "+".join(
        p.upper() if len(p) == 1 or p[0] == "f" else p.capitalize() for p in key.split("+")
    )


def reminder_text(reminder: Any, label: tuple[str, str] | None, key: str) -> str:
    """ "Call: Call back about the bill — María Hadjigeorgiou (C0000001), due … · Ctrl+G: open"."""
    from commcentre_tui import zones
    from commcentre_tui.text import inert

    when = f"{zones.local(reminder.due_at):%Y-%m-%d %H:%M}"
    who = f" — {inert(label[0])} ({inert(label[1])})" if label else ""
    opener = f" · {key}: open the customer" if label else ""
    return f"{reminder.kind.title()}: {inert(reminder.subject)}{who}, due {when}{opener}"


def _notify_all(app: CommCentreApp, fresh: list[tuple[Any, tuple[str, str] | None]]) -> None:
    """Keep every reminder in the Notifications list; one toast (and one bell) for all of them,
    so a start with several missed reminders does not cover half the screen with toasts."""
    from commcentre_tui.support.bell import bell

    key = key_label(app)
    for reminder, label in fresh:
        if label is not None:
            app._reminder_contact = (reminder.contact_id, label)
        app.keep_notification(
            reminder_text(reminder, label, key),
            title="Task reminder",
            severity="warning",
            timeout=15,
            toast=len(fresh) == 1,
        )
    if len(fresh) > 1:
        lister = key_label(app, "notifications", "ctrl+l")
        app.notify(
            f"{len(fresh)} tasks are due; {lister} lists them.",
            title="Task reminders",
            severity="warning",
            timeout=15,
            markup=False,
        )
    bell(app)


def open_reminded(app: CommCentreApp) -> None:
    """Load the customer of the latest reminder (the open key); a form stays untouched."""
    pending = getattr(app, "_reminder_contact", None)
    if pending is None:
        app.notify("No task reminder to open.", severity="warning")
        return
    contact_id, (name, number) = pending
    if app.screen is not app.screen_stack[0]:
        app.notify(
            f"Close this window first (Esc), then press {key_label(app)} to open "
            f"{name} ({number}).",
            severity="warning",
            timeout=8,
        )
        return
    app.load_customer(contact_id, focus=True)


def _install_key(app: CommCentreApp) -> None:
    """Bind the open key on the app (it works while typing in the search bar too)."""
    if not hasattr(app, "action_reminder_open"):
        app.action_reminder_open = lambda: open_reminded(app)
    bindings = app._bindings.key_to_bindings
    if any(b.id == OPEN_KEY_ID for group in bindings.values() for b in group):
        return
    keys = app.settings.ui.keymap.get(OPEN_KEY_ID) or OPEN_KEY
    for key in (k.strip() for k in keys.split(",") if k.strip()):
        bindings.setdefault(key, []).append(
            Binding(
                key,
                "reminder_open",
                "Reminder",
                show=False,
                priority=True,
                id=OPEN_KEY_ID,
                tooltip="Open the customer of the latest task reminder.",
            )
        )
