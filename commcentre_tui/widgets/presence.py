"""Presence in the console: "also open: …" in the customer header and a warning on edit forms.

One live session per console (:mod:`commcentre_tui.repo.presence`): the invisible
:class:`PresenceKeeper` opens it when the console starts, heartbeats every
:data:`~commcentre_tui.repo.presence.HEARTBEAT_SECONDS` (and at once when the loaded customer or
the open edit form changes) with what the agent has open, and closes it when the console exits —
also on SIGTERM/SIGHUP (:mod:`commcentre_tui.controllers.shutdown`). Each beat also reads who else has
the customer open (shown in the header) and who else is editing the record of the open form (a
warning line on top of the form; the save still uses optimistic locking). It also re-reads the
agent, so a role change (``commcentre agents set-role``) takes effect in a running console within
one beat, and a disabled agent's console ends (cleanly, like on SIGTERM) within one beat.

All database work runs in thread workers. Presence is advisory: a failed beat is logged and the
next one tries again; it never interrupts the agent.

A form screen says which record it edits with a ``presence_record() -> str | None`` method
(``"contact:17"``, see :func:`~commcentre_tui.repo.presence.record_key`);
:func:`edited_record` also knows the console's existing edit forms.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from commcentre_tui.repo import presence_text
from commcentre_tui.repo.presence_text import Presence, record_key
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.text import inert

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

log = logging.getLogger("commcentre.presence")


def edited_record(screen: Screen[Any]) -> str | None:
    """The record (``"entity:id"``) ``screen`` edits, or ``None`` if it is not an edit form."""
    own = getattr(screen, "presence_record", None)
    if callable(own):
        return own()  # type: ignore[no-any-return]  # a value cached/produced untyped; its type is fixed where it is stored
    name = type(screen).__name__
    if name == "ContactInfoScreen":  # Add More Information edits the contact (versioned)
        return record_key("contact", screen.contact_id)  # type: ignore[attr-defined]  # only screens that show one customer define contact_id
    if name == "CommunicationScreen":  # editing a saved draft, not writing a new one
        communication_id = getattr(getattr(screen, "request", None), "communication_id", None)
        return record_key("communication", communication_id) if communication_id else None
    return None


def warning_text(editors: list[Presence]) -> str:
    """The edit form's warning line for ``editors`` (``""`` for nobody)."""
    if not editors:
        return ""
    who = presence_text.describe(editors, prefix="Also editing this record")
    return f"{who}. If they save first, your save is refused and you can reload."


class EditWarning(Static):
    """The warning line docked on top of an edit form someone else is editing too."""

    DEFAULT_CSS = """
    EditWarning {
        dock: top; height: auto; width: 100%; padding: 0 1;
        background: $warning 30%; text-style: bold;
    }
    """


def show_edit_warning(screen: Screen[Any], editors: list[Presence]) -> None:
    """Show (or update, or hide) the warning line on ``screen``."""
    text = warning_text(editors)
    found = screen.query(EditWarning)
    if found:
        found.first().update(Text(inert(text)))
        found.first().display = bool(text)
    elif text:
        screen.mount(EditWarning(Text(inert(text)), id="edit-warning"))


class PresenceKeeper(ConsoleAppMixin, Widget):
    """Keeps this console's presence session alive and shows what it learns (never displayed)."""

    DEFAULT_CSS = "PresenceKeeper { display: none; }"

    @dataclass
    class Seen(Message):
        """A beat's result, for the UI loop."""

        contact_id: int | None
        others: list[Presence]
        editing: str | None
        editors: list[Presence]
        actor: Any = None
        """The agent as the database has them now (``None``: could not tell)."""
        revoked: str = ""
        """Why the agent may no longer work (disabled, removed, role undefined), or ``""``."""

    def __init__(self) -> None:
        super().__init__(id="presence-keeper")
        self.token: str | None = None
        """The live session's token (``None`` until the first beat, and after closing)."""
        self.contact_id: int | None = None
        self.editing: str | None = None
        self.closed = False
        self._lock = threading.Lock()
        self._remove_signals: Callable[[], None] = lambda: None
        self.first_seen = asyncio.Event()
        """Set when the first beat's result has reached the UI loop (the session is open)."""

    @property
    def _enabled(self) -> bool:
        return self.console_app.actor.agent_id is not None

    def on_mount(self) -> None:
        from commcentre_tui.controllers.shutdown import install_signal_handlers

        self._remove_signals = install_signal_handlers(self.console_app)
        if not self._enabled:
            return
        self.set_interval(presence_text.HEARTBEAT_SECONDS, self.beat)
        self.app.screen_change_signal.subscribe(self, self._screen_changed)
        # The first beat waits for the app's background delay: the models it needs then load
        # in its thread while the agent starts typing, not while the first frames are drawn.
        delay = getattr(self.app, "background_delay", 0)
        if delay:
            self.set_timer(delay, self.beat)
        else:
            self.beat()

    def on_unmount(self) -> None:
        self._remove_signals()
        self.close()

    def _screen_changed(self, screen: Screen[Any]) -> None:
        self.beat()

    # The beat ----------------------------------------------------------------------------
    def beat(self) -> None:
        """Say now what is open (the loaded customer, the edited record) and refresh what others
        have open. UI loop only; the database work runs in a thread worker."""
        if self.closed or not self._enabled or not self.is_attached:
            return
        app = self.console_app
        self.contact_id = app.customer_id
        self.editing = edited_record(app.screen)
        self.run_worker(self._beat, thread=True, group="presence", exit_on_error=False)

    def _beat(self) -> None:
        """Heartbeat (re-opening an expired session) and read the others; posts :class:`Seen`."""
        from commcentre_tui.repo import presence  # (the models load in this thread)

        app = self.console_app
        engine = app.engine
        with self._lock:
            if self.closed:
                return
            contact_id, editing = self.contact_id, self.editing  # the newest wanted state
            try:
                if self.token is None or not presence.heartbeat(
                    engine, self.token, contact_id, editing
                ):
                    self.token = presence.open_session(engine, app.actor, contact_id=contact_id)
                    if editing is not None:
                        presence.heartbeat(engine, self.token, contact_id, editing)
                others = (
                    presence.who_else_has(engine, contact_id, self.token)
                    if contact_id is not None
                    else []
                )
                editors = (
                    presence.who_else_edits(engine, editing, self.token)
                    if editing is not None
                    else []
                )
                actor, revoked = _current_actor(app)
            except Exception:  # noqa: BLE001 - advisory: the next beat tries again
                log.warning("presence heartbeat failed", exc_info=True)
                return
        self.post_message(self.Seen(contact_id, others, editing, editors, actor, revoked))

    def on_presence_keeper_seen(self, message: PresenceKeeper.Seen) -> None:
        self.first_seen.set()
        if self.closed:
            return
        app = self.console_app
        header = self._header()
        if header is not None:
            header.show_presence(message.contact_id, presence_text.describe(message.others))
        screen = app.screen
        if message.editing is not None and edited_record(screen) == message.editing:
            show_edit_warning(screen, message.editors)
        if message.revoked:
            from commcentre_tui.controllers.shutdown import request_shutdown

            request_shutdown(app, code=1, message=f"commcentre: {message.revoked}")
        elif message.actor is not None and message.actor != app.actor:
            apply_actor(app, message.actor)

    def _header(self) -> Any:
        from commcentre_tui.widgets.customer_header import CustomerHeader

        found = self.screen.query(CustomerHeader)
        return found.first() if found else None

    # Closing -----------------------------------------------------------------------------
    def close(self) -> None:
        """End the session (others stop seeing this agent at once). Blocking, idempotent, safe
        from any thread; waits for a beat in progress so nothing re-opens it."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            token, self.token = self.token, None
            if token is None:
                return
            from commcentre_tui.repo import presence

            try:
                presence.close_session(self.console_app.engine, token)
            except Exception:  # noqa: BLE001 - the row expires by itself within the TTL
                log.warning("could not close the presence session", exc_info=True)


def _current_actor(app: CommCentreApp) -> tuple[Any, str]:
    """``(actor, "")`` as the database has the agent now, or ``(None, sentence)`` if revoked."""
    from commcentre_tui.errors import NotAllowed
    from commcentre_tui.repo.actor_lookup import actor_for

    try:
        return actor_for(app.engine, app.settings, app.actor.username), ""
    except NotAllowed as exc:
        return None, str(exc)


def apply_actor(app: CommCentreApp, actor: Any) -> None:
    """Work as ``actor`` from now on (a changed role, unit or name) and say so."""
    old = app.actor
    app.actor = actor  # held once, by the gateway
    app.sub_title = f"{actor.display_name or actor.username} ({actor.role_name})"
    app.screen.refresh_bindings()
    if old.role_name != actor.role_name or old.role != actor.role:
        app.notify(
            f"Your role is now {actor.role_name}; what you may do changed with it.",
            title="Role changed",
            timeout=10,
        )


def keeper_of(app: App[Any]) -> PresenceKeeper | None:
    """The console's :class:`PresenceKeeper`, if it is mounted."""
    found = app.screen_stack[0].query(PresenceKeeper) if app.screen_stack else None
    return found.first() if found else None


def attach_presence(app: CommCentreApp) -> None:
    """Start presence (and the SIGTERM/SIGHUP handling) once the console's panels are mounted."""
    screen = app.console_screen
    screen.when_ready(lambda: screen.mount(PresenceKeeper()))
