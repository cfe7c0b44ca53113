"""One interface the console uses whatever the provider: :class:`CallSource`.

Build it with :func:`make_call_source`; then ``async for event in source.events(): ...`` in the
console's event loop, show :attr:`CallSource.state` (a word) and follow it with
:meth:`CallSource.add_state_listener`, and click-to-dial with ``await source.originate(number)``.
``await source.close()`` ends :meth:`CallSource.events`. Nothing here imports Textual or touches
the database except the listener's "does an agent have this extension" check (in a thread;
:mod:`.listener_source`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.config_channels import CtiSettings
from commcentre_tui.cti.ami import AmiClient, AmiMessage
from commcentre_tui.cti.events import CallEvent, CallTracker, CtiError, split_extension
from commcentre_tui.cti.queue_events import QueueUpdate, queue_update
from commcentre_tui.cti.states import LOGIN_FAILED, OFF, StateMixin, failed

log = logging.getLogger(__name__)

#: Calls with unread events kept for a console that is not reading (the oldest call's events
#: are dropped, with a counted log line, beyond this).
QUEUE_LIMIT = 1000
#: Seconds between two "dropped" log lines (each says how many since the last).
DROP_LOG_SECONDS = 5.0


def _coalesce(unread: list[CallEvent], event: CallEvent) -> None:
    """Add ``event`` to its call's ``unread`` events: only the latest state of a call matters.

    A ``ringing`` nobody read yet is replaced by what followed (keeping the caller's number and
    what the IVR collected); an ``answered`` is kept before the ``hangup`` (it starts the call's
    log); a repeated state replaces the older one. A call never has more than two unread events.
    """
    last = unread[-1]
    if last.event == "ringing" or last.event == event.event:
        unread[-1] = replace(
            event,
            caller=event.caller or last.caller,
            case_number=event.case_number or last.case_number,
            email=event.email or last.email,
        )
    else:
        unread.append(event)


def dial_number(number: str) -> str:
    """``number`` as the PBX should dial it: spaces and punctuation removed, a leading ``+`` kept."""
    text = (number or "").strip()
    plus = text.startswith("+")
    digits = "".join(ch for ch in text if ch not in " -().\u00a0/")
    digits = digits[1:] if plus else digits
    if not digits or not all(ch.isdigit() or ch in "*#" for ch in digits) or len(digits) > 32:
        raise CtiError(f"“{number}” is not a number the telephone system can dial.")
    return ("+" if plus else "") + digits


class CallSource(StateMixin):
    """Call events for one agent extension, a state word, and click-to-dial.

    Subclasses implement :meth:`_start`, :meth:`_close` and :meth:`originate` and call
    :meth:`_emit`. ``history`` keeps the session's recent events (newest last) for a
    "Recent Calls" list.
    """

    provider = "off"

    def __init__(self, extension: str) -> None:
        super().__init__(OFF)
        self.extension = split_extension(extension)[1] if extension else ""
        """The agent's extension (without a ``PJSIP/`` prefix)."""
        self.detail = ""
        """Why the source is ``off`` or failed, as a sentence (empty otherwise)."""
        self.history: deque[CallEvent] = deque(maxlen=100)
        self.dropped = 0
        """Events dropped unread (the console fell :data:`QUEUE_LIMIT` calls behind)."""
        self._unread: OrderedDict[str, list[CallEvent]] = OrderedDict()
        self._wakeup = asyncio.Event()
        self._anonymous = 0
        self._dropped_unlogged = 0
        self._drop_logged_at = 0.0
        self._started = False
        self._closed = False
        self.on_queue: Callable[[QueueUpdate], None] | None = None
        """Called (in the event loop) with what the PBX reports about its queues."""

    async def start(self) -> None:
        """Start following calls (idempotent; :meth:`events` calls it too)."""
        if self._started or self._closed:
            return
        self._started = True
        await self._start()

    async def close(self) -> None:
        """Stop; :meth:`events` ends and the state becomes ``off``."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await self._close()
        self._set_state(OFF)
        self._wakeup.set()

    @property
    def backlog(self) -> int:
        """Unread events (at most two per call, :data:`QUEUE_LIMIT` calls)."""
        return sum(len(unread) for unread in self._unread.values())

    async def events(self) -> AsyncIterator[CallEvent]:
        """The call events for this extension, until :meth:`close`; coalesced per call while
        the reader is behind (see :func:`_coalesce`), in the order the calls began.

        Meant for one reader (the console's worker); a second reader would share the events.
        """
        await self.start()
        while True:
            while not self._unread:
                if self._closed:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
            key, unread = next(iter(self._unread.items()))
            event = unread.pop(0)
            if not unread:
                del self._unread[key]
            yield event

    async def originate(self, number: str) -> None:
        """Ask the PBX to ring the agent's phone and then call ``number`` (click-to-dial)."""
        raise CtiError("Click-to-dial needs the Asterisk provider or a CTI bridge.")

    async def __aenter__(self) -> CallSource:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # -- for subclasses ------------------------------------------------------------------------

    async def _start(self) -> None:
        """Begin producing events (in the running loop)."""

    async def _close(self) -> None:
        """Release connections and tasks."""

    def _emit(self, event: CallEvent) -> None:
        if self._closed:
            return
        self.history.append(event)
        key = event.call_id
        if not key:
            self._anonymous += 1
            key = f"#{self._anonymous}"
        unread = self._unread.get(key)
        if unread is not None:
            _coalesce(unread, event)
        else:
            if len(self._unread) >= QUEUE_LIMIT:
                self._drop(len(self._unread.popitem(last=False)[1]))
            self._unread[key] = [event]
        self._wakeup.set()

    def _drop(self, count: int) -> None:
        """Count events dropped unread; one log line per :data:`DROP_LOG_SECONDS` says how many."""
        self.dropped += count
        self._dropped_unlogged += count
        now = time.monotonic()
        if now - self._drop_logged_at >= DROP_LOG_SECONDS:
            log.warning(
                "CTI: the console is %d calls behind; dropped %d call events it could "
                "not show (%d in all)",
                QUEUE_LIMIT,
                self._dropped_unlogged,
                self.dropped,
            )
            self._dropped_unlogged, self._drop_logged_at = 0, now


class OffCallSource(CallSource):
    """CTI is off (disabled, or no extension): no events, state ``off``, ``detail`` says why."""

    def __init__(
        self, extension: str = "", reason: str = "CTI is off in the configuration."
    ) -> None:
        super().__init__(extension)
        self.detail = reason

    async def originate(self, number: str) -> None:
        raise CtiError(
            f"Click-to-dial is not available: {self.detail[:1].lower()}{self.detail[1:]}"
        )


class AmiCallSource(CallSource):
    """The console talks to the Asterisk Manager Interface directly (one agent)."""

    provider = "asterisk"

    def __init__(self, cti: CtiSettings, extension: str, **client_options: Any) -> None:
        super().__init__(extension)
        self.tracker = CallTracker(extension)
        self.context = cti.dial_context
        self._secret = cti.secret.get_secret_value()
        client_options.setdefault("events", "call,agent")  # (queue events are class "agent")
        self.client = AmiClient(
            cti.host,
            cti.port,
            cti.username,
            self._secret,
            on_event=self._on_ami_event,
            **client_options,
        )
        self.client.add_state_listener(self._on_client_state)

    def _on_client_state(self, state: str) -> None:
        if state.startswith(LOGIN_FAILED):
            self.detail = (
                f"The PBX refused the manager login ({state.partition(': ')[2]}); check "
                "[cti] username and COMMCENTRE_CTI__SECRET."
            )
        self._set_state(state)

    async def _start(self) -> None:
        if not self._secret:
            self.detail = "The AMI secret is not set; set COMMCENTRE_CTI__SECRET."
            self._set_state(failed("no AMI secret (set COMMCENTRE_CTI__SECRET)"))
            return
        self.client.start()

    async def _close(self) -> None:
        await self.client.close()

    def _on_ami_event(self, message: AmiMessage) -> None:
        for event in self.tracker.feed(message):
            self._emit(event)
        if self.on_queue is not None:
            update = queue_update(message)
            if update is not None:
                self.on_queue(update)

    async def originate(self, number: str) -> None:
        await originate_for(self.client, self.tracker, number, self.context)


async def originate_for(client: AmiClient, tracker: CallTracker, number: str, context: str) -> None:
    """Click-to-dial ``number`` from ``tracker``'s extension over ``client`` (AMI ``Originate``).

    The originated channel gets a known ``ChannelId`` so its events are recognised as this
    outgoing call (Asterisk 13+; older PBXes ignore the field and the call is tracked as the
    agent's own dialling).
    """
    target = dial_number(number)
    channel_id = f"cc-{uuid.uuid4().hex}"
    tracker.expect_outgoing(channel_id, target)
    await client.originate(
        channel=f"{tracker.technology or 'PJSIP'}/{tracker.extension}",
        exten=target,
        context=context,
        caller_id=f'"{target}" <{target}>',
        channel_id=channel_id,
    )


def make_call_source(
    settings: Settings,
    extension: str | None = None,
    *,
    engine: Engine | None = None,
    **options: Any,
) -> CallSource:
    """The :class:`CallSource` the configuration asks for.

    ``extension`` is the agent's (from the agent record or ``--extension``); empty falls back to
    ``[cti] agent_extension``. CTI disabled or no extension → :class:`OffCallSource`;
    ``[cti] bridge_url`` set → a bridge client; else ``provider`` ``asterisk`` (direct AMI) or
    ``listener`` (local HTTP endpoint; ``engine`` lets it accept other agents' extensions).
    ``options`` tune the connection (e.g. ``backoff_initial``, ``ping_interval``).
    """
    cti = settings.cti
    ext = (extension or cti.agent_extension or "").strip()
    if not cti.enabled:
        return OffCallSource(ext, "CTI is off in the configuration ([cti] enabled = false).")
    if not split_extension(ext)[1]:
        return OffCallSource(
            "",
            "This agent has no extension; set it on the agent, in [cti] "
            "agent_extension, or with --extension.",
        )
    if cti.bridge_url:
        from commcentre_tui.cti.bridge_client import BridgeCallSource

        return BridgeCallSource(cti.bridge_url, ext, **options)
    if cti.provider == "listener":
        from commcentre_tui.cti.listener_source import ListenerCallSource

        return ListenerCallSource(cti, ext, engine=engine)
    return AmiCallSource(cti, ext, **options)
