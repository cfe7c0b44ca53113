"""The Textual application and its factory.

Extension points for later work:

- ``app.load_customer(contact_id)`` shows a customer (the CTI screen pop calls it; from another
  thread use ``app.call_from_thread(app.load_customer, contact_id)`` or post
  :class:`~commcentre_tui.support.messages.LoadCustomer`).
- ``app.customer_id`` is the loaded customer (``None`` when none is).
- ``app.push_for_customer(screen)`` opens a modal (an action form) and reloads the customer view
  when it is dismissed with a truthy result; ``app.reload_customer()`` refreshes on demand, and
  posting :class:`~commcentre_tui.support.messages.CustomerChanged` does so from anywhere.
- ``app.gateway`` is the console's door to the repository (blocking: call from workers).
- :meth:`CommCentreApp.extra_commands` lets a subclass or later module add palette entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from commcentre_tui import zones
from commcentre_tui.app_customer import CustomerContext
from commcentre_tui.config import Settings
from commcentre_tui.controllers.gateway import Gateway
from commcentre_tui.keys import bind, keeps_tab
from commcentre_tui.palette_commands import view_commands
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.screens.notifications import ToastShown, keep
from commcentre_tui.screens.port import ConsoleScreens
from commcentre_tui.startup import resume_garbage_collection
from commcentre_tui.support.messages import (
    CustomerChanged,
    LoadCustomer,
    NotificationKept,
    RunAction,
)
from commcentre_tui.support.themes import pick_theme, remember_theme, remembered_theme

if TYPE_CHECKING:
    from commcentre_tui.controllers.cti.agent_state import StatePublisher
    from commcentre_tui.controllers.cti.controller import CtiController
    from commcentre_tui.controllers.screen_port import ScreenPort
    from commcentre_tui.controllers.ssh_link import SshLink
    from commcentre_tui.screens.notifications import KeptNotifications
    from commcentre_tui.widgets.record_table import RecordTable

#: Seconds after the first frame before the delivery worker and the reminder checks start: the
#: modules they need (the ORM models among them) then load in threads while the agent types.
BACKGROUND_DELAY = 0.5


class CommCentreApp(CustomerContext, App[None]):
    """The Communication Centre console."""

    TITLE = "Communication Centre"
    CSS_PATH = "console.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]

    # Set on first use by the controllers that own them (read with ``getattr(app, name, None)``;
    # declared here, without a value, so they are typed and ``hasattr`` still says "not yet").
    _kept_notifications: KeptNotifications
    _cc_shutting_down: bool
    _reminder_contact: tuple[int, tuple[str, str]]
    _state_publisher: StatePublisher
    _cti_controller: CtiController
    ssh_link: SshLink  # set by attach_ssh_link under serve-ssh only
    action_reminder_open: Callable[[], None]
    action_cti_open: Callable[[], None]

    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        actor: Actor,
        gateway: Gateway | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        from commcentre_tui.terminal_driver import TerminalDriver

        super().__init__(driver_class=TerminalDriver)
        self.settings = settings
        self.engine = engine
        self.gateway = gateway or Gateway(engine, settings, actor, today=today)
        """Blocking repository calls; tests replace methods on it to simulate failures."""
        self.screen_port: ScreenPort = ConsoleScreens()
        """The screens the controllers open (they sit below the screens and do not import them)."""
        self.actor = actor  # also the zone times are shown in
        self.sub_title = f"{actor.display_name or actor.username} ({actor.role_name})"
        self._saved_theme = remembered_theme(settings, actor.username)
        self.theme = pick_theme(self._saved_theme or settings.ui.theme, self.available_themes)
        if not settings.ui.animations:
            self.animation_level = "none"
        self.cti_options: dict[str, Any] = {}
        """Extra options for the CTI call source (tests shorten its backoff)."""
        self.offer_drafts_on_start = True
        """Offer an autosaved, unsaved communication back when the console starts."""
        self.delivery_factory: Any = None
        """Builds the embedded delivery worker (``None``: the real one; tests pass a fake)."""
        self.background_delay = BACKGROUND_DELAY
        """Seconds before the delivery worker, the reminder checks and the first presence beat
        start (tests set 0: everything starts with the first frame, deterministically)."""
        self.reminder_checks = 0
        """How many checks for due task reminders have finished (their toasts shown)."""

    def _remember_theme(self, theme: Any) -> None:
        """Keep the agent's newly chosen theme for the next start."""
        if theme.name != self._saved_theme:
            self._saved_theme = theme.name
            remember_theme(self.settings, self.actor.username, theme.name)

    def get_default_screen(self) -> Screen[Any]:
        from commcentre_tui.screens.console import ConsoleScreen

        return ConsoleScreen()

    BINDINGS = [
        bind("actions", "open_actions", priority=True),
        bind("my_work", "my_work", show=False),
        bind("wallboard", "wallboard", show=False),
        bind("notifications", "notifications", show=False, priority=True),
        # Tab moves the focus as the key arrives (Textual's own Tab binding acts only once
        # the key has passed through the focused widget, so letters typed right after it
        # — fast typing, a paste, keys batched over SSH — went to the field being left).
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("focus_next", "focus_previous") and (
            keeps_tab(self.focused) or getattr(self.screen, "holding_keys", False)
        ):
            # The focused widget's own Tab (a tag list, an indenting text area), or a form
            # still loading that holds the keys typed until its first field has the focus.
            return False
        return super().check_action(action, parameters)

    @property
    def actor(self) -> Actor:
        """The signed-in agent: held once, by the gateway the console reads and writes through
        (a changed role or unit applies to both at once)."""
        return self.gateway.actor

    @actor.setter
    def actor(self, actor: Actor) -> None:
        self.gateway.actor = actor
        zones.use(actor.time_zone)

    def on_mount(self) -> None:
        if self.settings.ui.keymap:
            self.set_keymap(dict(self.settings.ui.keymap))
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        # The console paints first; communications, CTI, reminders and presence start right
        # after (their imports, the ORM models among them, take ~0.5 s on a cold start).
        self.call_after_refresh(self._start_services)

    def _start_services(self) -> None:
        from commcentre_tui.controllers.cti import attach_cti
        from commcentre_tui.controllers.reminders import start_reminders
        from commcentre_tui.controllers.ssh_link import attach_ssh_link
        from commcentre_tui.screens.comms.register import register_openers
        from commcentre_tui.widgets.change_watcher import attach_change_watcher
        from commcentre_tui.widgets.presence import attach_presence

        register_openers()
        attach_ssh_link(self)
        attach_presence(self)
        attach_change_watcher(self)
        attach_cti(self, **self.cti_options)
        if self.offer_drafts_on_start:
            self._offer_drafts()
        if self.background_delay:
            self.set_timer(self.background_delay, lambda: start_reminders(self))
            self.set_timer(self.background_delay, self._start_delivery)
        else:
            start_reminders(self)
            self._start_delivery()
        resume_garbage_collection()

    def _start_delivery(self) -> None:
        """The embedded delivery worker (its modules load in its own thread)."""
        from commcentre_tui.controllers.comms.embedded import start_embedded_worker

        start_embedded_worker(self, factory=self.delivery_factory)

    def _offer_drafts(self) -> None:
        """If the agent left a communication unsaved, load the form and offer it (a quick look
        off the UI loop first, so a console with nothing to offer loads none of the form)."""
        from commcentre_tui.repo.actor_lookup import COMMUNICATION_FORM, has_form_draft
        from commcentre_tui.support.loading import fetch

        agent_id = self.actor.agent_id
        if agent_id is None:
            return

        def offer(has_draft: bool) -> None:
            if has_draft:
                from commcentre_tui.controllers.comms.openers import offer_unsaved_drafts

                offer_unsaved_drafts(self)

        fetch(
            self,
            lambda: has_form_draft(self.engine, agent_id, COMMUNICATION_FORM),
            offer,
            group="comm-restore-check",
            what="looking for an unsaved communication",
            on_error=lambda _exc: True,  # nothing to offer when it cannot be read
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Notifications carry customer data: always shown as plain text, never as markup.
        Over a form a toast takes one line at the bottom (it never covers the form's fields)."""
        from commcentre_tui.screens.notifications import toast_raised

        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)
        toast_raised(self, message, title=title, severity=severity, timeout=timeout)

    @on(ToastShown)
    def _toast_shown(self, message: ToastShown) -> None:
        from commcentre_tui.screens.notifications import show_toast_line

        show_toast_line(self, message)

    @on(NotificationKept)
    def _notification_kept(self, message: NotificationKept) -> None:
        from commcentre_tui.screens.notifications import kept_arrived

        kept_arrived(self, message)

    def action_notifications(self) -> None:
        """Show the notifications kept until acknowledged (reminders, failed deliveries …)."""
        from commcentre_tui.screens.notifications import open_notifications

        open_notifications(self)

    # Actions --------------------------------------------------------------------------------
    def action_open_actions(self) -> None:
        """Open the Action Panel."""
        from commcentre_tui.screens.actions.wiring import open_action_panel

        open_action_panel(self)

    def action_my_work(self) -> None:
        """Show My Work: everything waiting for the agent across customers."""
        from commcentre_tui.screens.my_work import open_my_work

        open_my_work(self)

    def action_wallboard(self) -> None:
        """Show the Wallboard (supervisors)."""
        from commcentre_tui.screens.wallboard import open_wallboard

        open_wallboard(self)

    def keep_notification(
        self, message: str, *, title: str = "", severity: str = "warning", **options: Any
    ) -> None:
        """List ``message`` until acknowledged, and toast it (any thread; plain text). Controllers
        call this rather than import the notifications screen."""
        keep(self, message, title=title, severity=severity, **options)

    @on(CustomerChanged)
    def _customer_changed(self, message: CustomerChanged) -> None:
        if message.contact_id == self.customer_id:
            self.reload_customer()

    @on(LoadCustomer)
    def _load_customer(self, message: LoadCustomer) -> None:
        self.load_customer(message.contact_id, focus=message.focus)

    @on(RunAction)
    def _run_action(self, message: RunAction) -> None:
        from commcentre_tui.screens.actions.wiring import run_action

        run_action(self, message.name, message.extra)

    def on_record_table_view_requested(self, message: RecordTable.ViewRequested) -> None:
        """View: open the record read-only (Escape comes back); a draft communication the
        agent may complete opens in the communication form instead."""
        if message.ref.entity == "communication":
            from commcentre_tui.controllers.comms.openers import view_communication

            view_communication(self, message.ref.id)
            return
        from commcentre_tui.screens.detail import DetailScreen

        self.push_screen(DetailScreen(message.ref))

    # Command palette ----------------------------------------------------------------------
    def extra_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The console's own palette commands (:mod:`.palette_commands`)."""
        from commcentre_tui.palette_commands import console_commands

        return console_commands(self, screen)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from commcentre_tui.screens.console import ConsoleScreen

        if isinstance(screen, ConsoleScreen):
            yield from view_commands(screen)
            yield from self.extra_commands(screen)
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot" or self.settings.ui.screenshots:
                yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Save an SVG screenshot, unless screenshots are off (consoles served over SSH)."""
        if not self.settings.ui.screenshots:
            self.notify(
                "Screenshots are off in this console (it runs on a shared server).",
                severity="warning",
            )
            return
        super().action_screenshot(filename, path)


def create_app(
    *,
    settings: Settings,
    engine: Engine,
    actor: Actor,
    gateway: Gateway | None = None,
    today: Callable[[], date] | None = None,
) -> CommCentreApp:
    """Build the console; the CLI and the tests both use this (``gateway``/``today`` for tests)."""
    return CommCentreApp(
        settings=settings, engine=engine, actor=actor, gateway=gateway, today=today
    )
