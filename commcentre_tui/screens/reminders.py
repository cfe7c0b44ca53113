"""Task reminders: the assigned agent is notified while working, and on start for missed ones."""

from __future__ import annotations

from typing import Any

#: How often the console looks for reminders that fell due.
CHECK_SECONDS = 30.0


def start_reminders(app: Any, interval: float = CHECK_SECONDS) -> None:
    """Check now (catch-up for reminders missed while offline) and then every ``interval``."""
    if app.actor.agent_id is None:
        return
    check_reminders(app)
    app.set_interval(interval, lambda: check_reminders(app), name="task-reminders")


def check_reminders(app: Any) -> None:
    """Look for due reminders in a thread worker and notify the agent of each once."""
    app.run_worker(lambda: _due(app), thread=True, exclusive=True, group="task-reminders",
                   exit_on_error=False, name="task-reminders")


def _due(app: Any) -> None:
    # (In the worker's thread: the models load here, not before the console's first frames.)
    from commcentre_tui.models.types import utcnow
    from commcentre_tui.repo.care_queries import due_reminders
    from commcentre_tui.services.context import ServiceContext
    from commcentre_tui.services.tasks import mark_reminded

    try:
        due = due_reminders(app.engine, app.actor.agent_id, utcnow())
        if not due:
            return
        marked = set(mark_reminded(ServiceContext(app.engine, app.settings, app.actor), [r.task_id for r in due]))
    except Exception:  # noqa: BLE001 - reminders must never disturb the agent; retried next check
        return
    for reminder in due:
        if reminder.task_id in marked:
            app.call_from_thread(_notify, app, reminder)


def _notify(app: Any, reminder: Any) -> None:
    when = reminder.due_at.strftime("%Y-%m-%d %H:%M UTC")
    message = f"{reminder.kind.title()}: {reminder.subject} — due {when}"
    app.notify(message, title="Task reminder", severity="warning", timeout=15, markup=False)
