"""Notifications that stay until the agent acknowledges them, and toasts that keep off forms.

Anything the agent must act on or read (a task reminder, a communication that could not be
delivered, a telephony state) goes through :func:`keep`: it is listed in the console's
**Notifications** (``Ctrl+L``, keymap id ``notifications``; newest first, Enter or ``d``
acknowledges) until acknowledged, the header counts it ("2 unread"), and it is also shown as a
toast. Transient confirmations stay plain ``app.notify`` toasts that fade.

A form fills an 80×24 terminal, so over a modal screen Textual's toasts are hidden
(``console.tcss``) and the newest notification shows on one line at the bottom instead, over the
footer (:class:`ToastLine`, for at most ``FORM_TOAST_SECONDS``): it never covers a form's fields.
The notifications themselves are unchanged (``app._notifications``).

:func:`keep` may be called from any thread (the delivery worker's, a CTI reader's); the list
itself changes on the UI loop only.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from commcentre_tui import zones
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.messages import NotificationKept
from commcentre_tui.text import inert

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

__all__ = ["NotificationKept", "NotificationsScreen", "ToastShown", "keep", "open_notifications"]

#: Seconds a toast stays over a form (the notification itself is in the list when it matters).
FORM_TOAST_SECONDS = 6.0
_COUNT = re.compile(r" · \d+ unread$")


@dataclass(frozen=True)
class Kept:
    """One notification waiting for the agent: ``number`` identifies it in this console."""

    number: int
    at: datetime
    title: str
    message: str
    severity: str


class ToastShown(Message):
    """(Posted to the app from another thread) a toast was raised; see :func:`toast_raised`."""

    def __init__(self, message: str, title: str, severity: str, timeout: float | None) -> None:
        super().__init__()
        self.message = message
        self.title = title
        self.severity = severity
        self.timeout = timeout


class KeptNotifications:
    """The console's kept notifications, oldest first (changed on the UI loop only)."""

    def __init__(self) -> None:
        self.items: list[Kept] = []
        self._next = 1

    def add(self, title: str, message: str, severity: str) -> Kept:
        kept = Kept(self._next, datetime.now(UTC), title, message, severity)
        self._next += 1
        self.items.append(kept)
        return kept

    def acknowledge(self, number: int) -> bool:
        """Remove notification ``number``; ``False`` when it was not (or no longer) listed."""
        before = len(self.items)
        self.items = [k for k in self.items if k.number != number]
        return len(self.items) < before

    def newest_first(self) -> list[Kept]:
        return list(reversed(self.items))

    def __len__(self) -> int:
        return len(self.items)


def kept_notifications(app: CommCentreApp) -> KeptNotifications:
    """The app's kept notifications (created on first use)."""
    kept = getattr(app, "_kept_notifications", None)
    if kept is None:
        kept = KeptNotifications()
        app._kept_notifications = kept
    return kept


def _drawn_off(app: CommCentreApp) -> bool:
    """Textual's notifications are switched off (``run_test``'s default): draw nothing of them
    (no toast line, no count); the list still fills."""
    return bool(getattr(app, "_disable_notifications", False))


def _on_ui_loop(app: CommCentreApp) -> bool:
    return getattr(app, "_thread_id", None) == threading.get_ident()


def keep(
    app: CommCentreApp,
    message: str,
    *,
    title: str = "",
    severity: str = "warning",
    timeout: float | None = None,
    toast: bool = True,
) -> None:
    """List ``message`` until the agent acknowledges it, and show it as a toast too.

    Safe from any thread: off the UI loop it is posted to the app (:class:`NotificationKept`).
    ``message`` and ``title`` are shown as plain text, never markup.
    """
    if not _on_ui_loop(app):
        app.post_message(NotificationKept(title, message, severity, timeout, toast))
        return
    kept_arrived(app, NotificationKept(title, message, severity, timeout, toast))


def kept_arrived(app: CommCentreApp, kept: NotificationKept) -> None:
    """(UI loop) Add a kept notification: list, count and toast."""
    kept_notifications(app).add(inert(kept.title), inert(kept.message), kept.severity)
    show_count(app)
    if kept.toast:
        app.notify(
            kept.message,
            title=kept.title,
            severity=kept.severity,
            timeout=kept.timeout,
            markup=False,
        )
    screen = app.screen
    if isinstance(screen, NotificationsScreen):
        screen.refill()


def acknowledge_all(app: CommCentreApp) -> None:
    """(UI loop) Acknowledge every kept notification (e.g. before a snapshot of the layout)."""
    kept_notifications(app).items.clear()
    show_count(app)


def show_count(app: CommCentreApp) -> None:
    """ "· N unread" after the agent's name in the header (nothing when none is waiting)."""
    count = 0 if _drawn_off(app) else len(kept_notifications(app))
    base = _COUNT.sub("", str(app.sub_title))
    app.sub_title = f"{base} · {count} unread" if count else base


def key_label(app: CommCentreApp) -> str:
    """How the notifications key is written (``Ctrl+L``, or the keymap's replacement)."""
    from commcentre_tui.keys import KEYS

    key = app.settings.ui.keymap.get("notifications") or KEYS["notifications"].keys
    first = key.split(",")[0].strip()
    return "+".join(
        p.upper() if len(p) == 1 or p[0] == "f" else p.capitalize() for p in first.split("+")
    )


def toast_raised(
    app: CommCentreApp,
    message: str,
    *,
    title: str = "",
    severity: str = "information",
    timeout: float | None = None,
) -> None:
    """(Any thread; ``app.notify`` calls it) over a form, show the toast as :class:`ToastLine`."""
    if not _on_ui_loop(app):
        app.post_message(ToastShown(message, title, severity, timeout))
        return
    show_toast_line(app, ToastShown(message, title, severity, timeout))


def show_toast_line(app: CommCentreApp, toast: ToastShown) -> None:
    """(UI loop) The toast on the bottom line of the open form (nothing without a form)."""
    try:
        screen = app.screen
    except Exception:  # noqa: BLE001 - no screen yet (starting) or any more (closing)
        return
    if _drawn_off(app) or not isinstance(screen, ModalScreen) or not screen.is_attached:
        return
    lines = screen.query(ToastLine)
    line = lines.first() if lines else ToastLine()
    if not lines:
        screen.mount(line)
    line.show(toast)


class ToastLine(Static):
    """One line at the bottom of a modal screen: the newest toast, "! Title: message" (the
    mark says the severity without colour), gone after ``FORM_TOAST_SECONDS`` at most."""

    DEFAULT_CSS = """
    ToastLine {
        dock: bottom; layer: _toastrack; height: 1; width: 100%; padding: 0 1;
        background: $panel-lighten-1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    ToastLine.-warning { background: $warning-muted; }
    ToastLine.-error { background: $error-muted; }
    """

    def __init__(self) -> None:
        super().__init__(id="toast-line")
        self._timer: Any = None

    def show(self, toast: ToastShown) -> None:
        mark = {"error": "✖ ", "warning": "! "}.get(toast.severity, "")
        head = f"{toast.title}: " if toast.title else ""
        self.update(Text(" ".join(f"{mark}{head}{toast.message}".split())))
        self.set_classes(f"-{toast.severity}")
        self.display = True
        if self._timer is not None:
            self._timer.stop()
        seconds = min(toast.timeout or FORM_TOAST_SECONDS, FORM_TOAST_SECONDS)
        self._timer = self.set_timer(seconds, self._fade)

    def _fade(self) -> None:
        self.display = False


class NotificationsScreen(ConsoleAppMixin, ModalScreen[None]):
    """The kept notifications, newest first: Enter or ``d`` acknowledges the highlighted one."""

    DEFAULT_CSS = """
    NotificationsScreen { align: center middle; }
    NotificationsScreen > Vertical {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $panel; padding: 0 1;
    }
    NotificationsScreen #kept-title { text-style: bold; padding: 0 0 1 0; }
    NotificationsScreen OptionList { height: auto; max-height: 18; }
    NotificationsScreen #kept-hint { color: $text-muted; padding: 1 0 0 0; }
    """
    BINDINGS = [
        Binding(
            "d",
            "acknowledge",
            "Acknowledge",
            id="notification_acknowledge",
            tooltip="Acknowledge the highlighted notification (it leaves the list)",
        ),
        Binding(
            "escape",
            "close",
            "Close",
            id="notifications_close",
            tooltip="Close the notifications (unacknowledged ones stay)",
        ),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="kept-title")
            yield OptionList(id="kept")
            yield Static(
                Text("Enter or d: acknowledge the highlighted one · Esc: close"), id="kept-hint"
            )

    def on_mount(self) -> None:
        self.refill()
        self.query_one(OptionList).focus()

    def refill(self) -> None:
        """Show the list as it is now (the highlight stays on the same position)."""
        items = kept_notifications(self.console_app).newest_first()
        listed = self.query_one(OptionList)
        where = listed.highlighted or 0
        listed.clear_options()
        listed.add_options(Option(_prompt(k), id=str(k.number)) for k in items)
        if items:
            listed.highlighted = min(where, len(items) - 1)
        count = f"{len(items)} unread, newest first" if items else "nothing waiting"
        self.query_one("#kept-title", Static).update(Text(f"Notifications — {count}"))

    @on(OptionList.OptionSelected, "#kept")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_acknowledge()

    def action_acknowledge(self) -> None:
        listed = self.query_one(OptionList)
        if listed.highlighted is None or not listed.option_count:
            return
        number = listed.get_option_at_index(listed.highlighted).id
        if number is not None and kept_notifications(self.console_app).acknowledge(int(number)):
            show_count(self.console_app)
            self.refill()

    def action_close(self) -> None:
        self.dismiss(None)


def _prompt(kept: Kept) -> Text:
    """ "14:02 Task reminder" on a line, the message whole below it (plain text)."""
    mark = {"error": "✖", "warning": "!"}.get(kept.severity, "·")
    when = zones.local(kept.at).strftime("%H:%M")
    text = Text(f"{mark} {when}  ")
    text.append(kept.title or "Notification", style="bold")
    text.append(f"\n  {kept.message}")
    return text


def open_notifications(app: CommCentreApp) -> None:
    """Show the kept notifications (the notifications key and the palette)."""
    if isinstance(app.screen, NotificationsScreen):
        return
    app.push_screen(NotificationsScreen())


def notifications_commands(app: CommCentreApp) -> Any:
    """The palette's "Notifications" entry."""
    from textual.app import SystemCommand

    count = len(kept_notifications(app))
    yield SystemCommand(
        "Notifications",
        f"Reminders, failed deliveries and telephony states waiting for you ({count} unread)",
        lambda: open_notifications(app),
    )
