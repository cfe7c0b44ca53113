"""The console side of CTI: follows the agent's calls and pops the caller.

:func:`attach_cti` builds the :class:`~commcentre_tui.cti.CallSource` for the agent's extension
and a :class:`CtiController` that reads its events in one async Textual worker (group
``cti-events``, alive as long as the app). Lookups and the call-log services run in thread
workers; everything else happens on the UI loop. The pop never steals focus from a modal: it
then becomes a notification, and the pop key (F12, keymap id ``cti_open``) acts on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.worker import WorkerFailed

from commcentre_tui.controllers.cti.agent_state import QueueWriter
from commcentre_tui.controllers.cti.agent_state import publish as publish_state
from commcentre_tui.controllers.cti.calls import CallRecord, duration_words
from commcentre_tui.controllers.cti.dialing import Dialing
from commcentre_tui.controllers.cti.flow import CallFlow
from commcentre_tui.controllers.cti.pacing import Pacing
from commcentre_tui.controllers.cti.tell import tell
from commcentre_tui.cti import CallEvent, CallSource, CtiError
from commcentre_tui.cti.events import split_extension
from commcentre_tui.cti.source import OffCallSource
from commcentre_tui.cti.source import dial_number as pbx_number
from commcentre_tui.cti.states import CONNECTED, RECONNECTING, is_failure
from commcentre_tui.errors import CommCentreError

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

log = logging.getLogger(__name__)

#: The worker group of the event reader (it runs until the app exits).
CONSUMER_GROUP = "cti-events"
#: The pop key: opens the popped customer, the pick list, Log Person or the after-call work.
OPEN_KEY, OPEN_KEY_ID = "f12", "cti_open"
#: Calls remembered for "Recent Calls".
HISTORY = 100
#: Events applied before the event reader lets the console take keys and draw again.
SLICE = 50


def controller_of(app: CommCentreApp) -> CtiController | None:
    """The app's CTI controller (``None`` before :func:`attach_cti`)."""
    return getattr(app, "_cti_controller", None)


def agent_extension(app: CommCentreApp) -> str:
    """This console's extension: ``[cti] agent_extension`` (``--extension``), else the agent's."""
    return (app.settings.cti.agent_extension or app.actor.extension or "").strip()


def attach_cti(app: CommCentreApp, **source_options: Any) -> CtiController:
    """Start CTI for ``app`` (idempotent); call it once the app is running (e.g. on mount).

    With ``[cti] enabled = false`` or no extension nothing connects and the state is ``off``.
    ``source_options`` tune the connection (tests: fast backoff, no pings).
    """
    existing = controller_of(app)
    if existing is not None:
        return existing
    from commcentre_tui.cti import make_call_source

    source = make_call_source(
        app.settings, agent_extension(app), engine=app.engine, **source_options
    )
    controller = CtiController(app, source)
    app._cti_controller = controller
    controller.start()
    return controller


def open_pending(app: CommCentreApp) -> None:
    """What the pop key does (for an ``action_cti_open`` on the app)."""
    controller = controller_of(app)
    if controller is None or not controller.enabled:
        tell(app, "Telephony (CTI) is off.", severity="warning")
        return
    controller.open_pending()


class CtiController(CallFlow, Pacing, Dialing):
    """Follows one :class:`CallSource`: state, session calls, screen pop, drafts and wrap-up."""

    def __init__(self, app: CommCentreApp, source: CallSource) -> None:
        self.app = app
        self.source = source
        self.calls: OrderedDict[str, CallRecord] = OrderedDict()
        """This session's calls by call id, oldest first (the last :data:`HISTORY`)."""
        self.current: CallRecord | None = None
        """The call the status bar shows (ringing, on call, or in wrap-up)."""
        self.pending: tuple[str, Callable[[], None]] | None = None
        """What the pop key does now: (words for the status bar, action)."""
        self.states: list[str] = [source.state]
        """Every state the status has shown, in order."""
        self.steps = 0
        """Counts the changes the console has applied (for waiting in tests and benchmarks)."""
        self._changed = asyncio.Event()
        self._views: list[Any] = []
        self._dials: dict[str, int | None] = {}
        self._phones: tuple[int, tuple[str, ...]] | None = None
        self._fetching: int | None = None
        self._wrapping: CallRecord | None = None
        self._init_pacing()

    # -- state ---------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        """Whether CTI is configured on (the source may still be failing)."""
        return not isinstance(self.source, OffCallSource)

    @property
    def state(self) -> str:
        """The state word (``off``, ``connected``, ``reconnecting``, ``login failed: …``)."""
        return self.source.state

    @property
    def key_label(self) -> str:
        """How the pop key is written (``F12``, or the keymap's replacement)."""
        key = (self.app.settings.ui.keymap.get(OPEN_KEY_ID) or OPEN_KEY).split(",")[0].strip()
        if len(key) == 1:
            return key
        return "+".join(p.upper() if len(p) <= 3 else p.capitalize() for p in key.split("+"))

    @property
    def console_active(self) -> bool:
        """Whether the console itself is on top (no form, pick list or palette open)."""
        stack = self.app.screen_stack
        return bool(stack) and self.app.screen is stack[0]

    def start(self) -> None:
        """Follow the source's state and, when CTI is on, read its events in a worker."""
        self.source.add_state_listener(self._on_state)
        for view in self.app.cti_status_views():
            self.add_view(view)
        if not self.enabled:
            return
        self.source.on_queue = QueueWriter(self.app)
        self._install_key()
        self.app.run_worker(
            self._consume(), name="CTI call events", group=CONSUMER_GROUP, exit_on_error=False
        )

    def add_view(self, view: Any) -> None:
        """Keep ``view`` (a :class:`CtiStatus`) up to date."""
        if view not in self._views:
            self._views.append(view)
        view.show(self)

    def remove_view(self, view: Any) -> None:
        if view in self._views:
            self._views.remove(view)

    def refresh(self) -> None:
        """Redraw the status views and count one step."""
        call = self.current
        if call is not None and call.contact_id is not None and not call.contact_name:
            call.set_customer(call.contact_id, *self.loaded_names(call.contact_id))
        for view in list(self._views):
            with contextlib.suppress(Exception):
                view.show(self)
        self.steps += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        publish_state(self.app)  # the Wallboard's view of this agent

    async def wait_step(self, since: int) -> None:
        """Return once :attr:`steps` is beyond ``since``."""
        while self.steps <= since:
            await self._changed.wait()

    def _on_state(self, state: str) -> None:
        previous = self.states[-1] if self.states else ""
        self.states.append(state)
        if is_failure(state):
            detail = self.source.detail or f"The telephone link says “{state}”."
            tell(
                self.app,
                f"CTI is off: {detail} The console works as usual.",
                title="Telephony",
                severity="error",
                timeout=15,
                keep=True,
            )
        elif state == RECONNECTING and previous == CONNECTED:
            tell(
                self.app,
                "Lost the telephone system; reconnecting. Calls are not popped meanwhile.",
                title="Telephony",
                severity="warning",
                keep=True,
            )
        elif state == CONNECTED and previous == RECONNECTING:
            tell(self.app, "Telephone system connected again.", title="Telephony")
        self.refresh()

    def _install_key(self) -> None:
        """Bind the pop key on the app (priority: it works inside forms too)."""
        app = self.app
        if not hasattr(app, "action_cti_open"):
            app.action_cti_open = self.open_pending
        bindings = app._bindings.key_to_bindings
        if any(b.id == OPEN_KEY_ID for group in bindings.values() for b in group):
            return
        bindings.setdefault(OPEN_KEY, []).append(
            Binding(
                OPEN_KEY,
                "cti_open",
                "Call",
                show=False,
                priority=True,
                id=OPEN_KEY_ID,
                tooltip="Act on the current call: open the caller, the pick list, Log Person "
                "Information or the after-call work.",
            )
        )

    # -- events --------------------------------------------------------------------------------
    async def _consume(self) -> None:
        applied = 0
        try:
            async for event in self.source.events():
                try:
                    self.on_event(event)
                except Exception:
                    log.exception("A CTI event could not be handled: %r", event)
                applied += 1
                if applied % SLICE == 0:
                    await asyncio.sleep(0)  # a burst: keys and frames between slices
        except Exception as exc:
            self.failed("follow the calls any more (CTI stopped)", exc)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.source.close(), 2)

    def on_event(self, event: CallEvent) -> None:
        """Apply one call event (UI loop): the call's state now; its pop, notifications and the
        redraw paced (:mod:`~commcentre_tui.controllers.cti.pacing`), so a burst cannot freeze
        the console. A call the agent answers is always shown and logged."""
        if split_extension(event.extension)[1] != self.source.extension:
            return  # another agent's call
        record = self.calls.get(event.call_id)
        if record is None:
            record = self._new_call(event)
        if event.event == "answered" and record.answered_at is None:
            record.answered_at = event.at
            self.current = record
            if not record.presented:
                self.present(record)  # (its lookup writes the Draft once it knows the caller)
            else:
                self.app.run_worker(self._answered(record), group="cti-call", exit_on_error=False)
        elif event.event == "hangup" and record.ended_at is None:
            record.ended_at = event.at
            record.wrap_started = time.monotonic()
            if (
                record.answered_at is None
                and not record.presented
                and record.direction == "incoming"
            ):
                self.missed_unseen(record)
            else:
                self.app.run_worker(self._hung_up(record), group="cti-call", exit_on_error=False)
        self.touch()

    def _new_call(self, event: CallEvent) -> CallRecord:
        record = CallRecord(
            event.call_id,
            event.direction,
            event.caller,
            event.at,
            case_number=event.case_number,
            email=event.email,
            customer_before=self.app.customer_id,
            phone=_e164(event.caller, self.app.settings.search.default_region),
        )
        self.calls[event.call_id] = record
        while len(self.calls) > HISTORY:
            self.calls.popitem(last=False)
        self.current = record
        if event.direction == "outgoing":
            contact_id = self._dials.pop(_dialled(event.caller), None)
            if contact_id is not None:  # our click-to-dial: we know whom we called
                record.set_customer(contact_id, *self.loaded_names(contact_id))
                record.presented = True
                return record
        self.ring_later(record)
        return record

    # -- helpers for the flow --------------------------------------------------------------------
    async def in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run blocking ``fn`` in a thread worker and return its result (raises its error)."""
        worker = self.app.run_worker(
            partial(fn, *args, **kwargs),
            thread=True,
            group="cti-db",
            name=getattr(fn, "__name__", "cti"),
            exit_on_error=False,
        )
        try:
            return await worker.wait()
        except WorkerFailed as failed:
            raise failed.error from None

    def loaded_names(self, contact_id: int) -> tuple[str, str]:
        """(name, customer number) of ``contact_id`` if the console shows it, else blanks."""
        try:
            summary = self.app.console_screen.customer_view.header.summary
        except Exception:
            return "", ""
        if summary is not None and summary.contact_id == contact_id:
            return summary.display_name, summary.customer_number
        return "", ""

    def offer(self, words: str, action: Callable[[], None]) -> None:
        """Make the pop key do ``action`` (``words`` appear in the status bar)."""
        self.pending = (words, action)

    def open_pending(self) -> None:
        """The pop key: act on the current call."""
        if self.pending is None:
            tell(self.app, "No call is waiting for you.", title="Telephony", severity="warning")
            return
        self.pending[1]()
        self.refresh()

    def failed(self, doing: str, exc: BaseException) -> None:
        """Tell the agent, in one sentence, that ``doing`` did not work."""
        if isinstance(exc, CommCentreError):
            message = str(exc)
        else:
            log.exception("CTI: could not %s", doing, exc_info=exc)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            message = f"Could not {doing}: {first}"
        tell(self.app, message, title="Telephony", severity="error", timeout=10)

    def duration_text(self, record: CallRecord) -> str:
        return duration_words(record.seconds)


def _e164(number: str, region: str) -> str | None:
    from commcentre_tui.text import to_e164

    try:
        return to_e164(number.strip(), region) if number and number.strip() else None
    except Exception:
        return None


def _dialled(number: str) -> str:
    try:
        return pbx_number(number)
    except CtiError:
        return number
