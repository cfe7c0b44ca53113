"""A call's way through the console: screen pop, Draft on answer, duration on hang-up, wrap-up.

Mixed into :class:`~commcentre_tui.controllers.cti.controller.CtiController`; every database step of
one call runs under the call's lock, in a thread worker, so a hang-up that arrives while the
Draft is being written waits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from commcentre_tui.controllers.cti.calls import CallRecord, duration_words
from commcentre_tui.controllers.cti.tell import tell
from commcentre_tui.support.messages import CustomerChanged

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.cti import CallSource
    from commcentre_tui.services.context import ServiceContext

#: Seconds an actionable notification stays (the status bar keeps the key meanwhile).
OFFER_SECONDS = 20


class CallFlow:
    """The per-call steps; see the module docstring."""

    app: CommCentreApp
    source: CallSource
    current: CallRecord | None
    pending: tuple[str, Callable[[], None]] | None
    _wrapping: CallRecord | None

    # provided by the controller
    if (
        TYPE_CHECKING
    ):  # read-only properties and a method of the controller, declared for the checker

        @property
        def key_label(self) -> str: ...
        @property
        def console_active(self) -> bool: ...
        def loaded_names(self, contact_id: int) -> tuple[str, str]: ...

    def refresh(self) -> None: ...
    async def in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
    def offer(self, words: str, action: Callable[[], None]) -> None: ...
    def failed(self, doing: str, exc: BaseException) -> None: ...

    @property
    def ctx(self) -> ServiceContext:
        from commcentre_tui.services.context import ServiceContext

        return ServiceContext(self.app.engine, self.app.settings, self.app.actor)

    # -- ringing: the screen pop ---------------------------------------------------------------
    async def _lookup(self, record: CallRecord, *, pop: bool) -> None:
        from commcentre_tui.repo.cti_lookup import lookup_caller

        async with record.lock:
            try:
                match = await self.in_thread(
                    lookup_caller,
                    self.app.engine,
                    self.app.settings,
                    caller=record.number,
                    case_number=record.case_number,
                    email=record.email,
                )
            except Exception as exc:
                self.failed("look the caller up", exc)
                return
            record.match = match
            if match.kind == "one" and record.contact_id is None:
                only = match.contacts[0]
                record.set_customer(only.id, only.name, only.customer_number)
            if pop and self.current is record:  # (not when a newer call took over meanwhile)
                self._present(record)
            await self._ensure_draft(record)
        self.refresh()

    def _present(self, record: CallRecord) -> None:
        match = record.match
        assert match is not None
        key, number = self.key_label, record.shown_number
        if match.kind == "one":
            self.offer("open the caller", lambda: self.open_customer(record))
            who = f"{record.contact_name} ({record.customer_number})"
            if self.console_active:
                self.pending = None
                assert record.contact_id is not None  # a "one" match has its customer
                self.app.load_customer(record.contact_id)
                tell(self.app, f"{who} · {number}", title="Incoming call")
            else:
                tell(
                    self.app,
                    f"{who} is calling from {number}. {key} opens the customer.",
                    title="Incoming call",
                    timeout=OFFER_SECONDS,
                )
        elif match.kind == "several":
            self.offer("choose the caller", lambda: self.pick_caller(record))
            count = f"{len(match.contacts)}{'+' if match.more else ''}"
            if self.console_active:
                self._put_aside(record, keep={c.id for c in match.contacts})
                self.pick_caller(record)
            else:
                tell(
                    self.app,
                    f"{count} customers have {number}. {key} lists them.",
                    title="Incoming call",
                    timeout=OFFER_SECONDS,
                )
        else:
            self.offer("Log Person Information", lambda: self.log_person(record))
            if self.console_active:
                self._put_aside(record)
            tell(
                self.app,
                f"Unknown caller {number}. {key}: Log Person Information.",
                title="Unknown caller",
                timeout=OFFER_SECONDS,
            )

    def _put_aside(self, record: CallRecord, keep: Collection[int] = ()) -> None:
        """Close the loaded customer when it is not (one of) the caller(s): the agent must never
        talk to an unknown caller while looking at the last customer's account."""
        loaded = self.app.customer_id
        console = self.app.console_screen
        if loaded is None or loaded in keep or not hasattr(console, "action_close_customer"):
            return
        console.action_close_customer()
        record.customer_before = None  # a customer loaded from now on may be the caller

    def open_customer(self, record: CallRecord) -> None:
        """Load the caller (the pop key after a pop that could not take the screen)."""
        self.pending = None
        if record.contact_id is None:
            return
        self.app.load_customer(record.contact_id)
        if not self.console_active:
            tell(
                self.app,
                f"{record.who} is loaded in the console behind this window.",
                title="Incoming call",
            )

    def pick_caller(self, record: CallRecord) -> None:
        """The short pick list of the customers sharing the caller's number."""
        assert record.match is not None

        def chosen(contact_id: int | None) -> None:
            if contact_id is None:
                return
            picked = next(c for c in record.match.contacts if c.id == contact_id)  # type: ignore[union-attr]  # a call with a chosen contact has its match
            record.set_customer(picked.id, picked.name, picked.customer_number)
            self.pending = None
            self.app.load_customer(picked.id)
            self.app.run_worker(self._draft_now(record), group="cti-call", exit_on_error=False)
            self.refresh()

        self.app.push_screen(
            self.app.screen_port.caller_pick(
                record.shown_number, record.match.contacts, more=record.match.more
            ),
            chosen,
        )

    def log_person(self, record: CallRecord) -> None:
        """Log Person Information, pre-filled with the caller's number."""
        self.pending = None
        self.app.screen_port.run_action(
            self.app, "Log Person Information", {"phone": record.dial_number}
        )

    # -- answered: the Draft -------------------------------------------------------------------
    async def _answered(self, record: CallRecord) -> None:
        async with record.lock:
            await self._ensure_draft(record)
        self.refresh()

    async def _draft_now(self, record: CallRecord) -> None:
        async with record.lock:
            await self._ensure_draft(record)
        self.refresh()

    def adopt(self, record: CallRecord) -> None:
        """A caller nobody matched is the customer the agent loaded (or logged) since it rang."""
        if record.contact_id is not None:
            return
        loaded = self.app.customer_id
        if loaded is not None and loaded != record.customer_before:
            record.set_customer(loaded, *self.loaded_names(loaded))

    async def _ensure_draft(self, record: CallRecord) -> None:
        """Start the Draft Phone communication once the call is answered and has a customer."""
        if record.communication_id is not None or record.answered_at is None:
            return
        self.adopt(record)
        if record.contact_id is None:
            return
        from commcentre_tui.services.calls import start_call_draft

        try:
            call = await self.in_thread(
                start_call_draft,
                self.ctx,
                record.contact_id,
                record.dial_number,
                record.direction,
                record.answered_at,
            )
        except Exception as exc:
            self.failed("log the call", exc)
            return
        record.communication_id, record.version = call.id, call.version
        self.app.post_message(CustomerChanged(record.contact_id))

    # -- hang-up: duration and the after-call work ---------------------------------------------
    async def _hung_up(self, record: CallRecord) -> None:
        async with record.lock:
            if record.answered_at is None:
                if record.direction == "outgoing":
                    tell(self.app, f"No answer from {record.who}.", title="Call ended")
                else:
                    tell(
                        self.app,
                        f"Missed call from {record.who}.",
                        title="Missed call",
                        timeout=OFFER_SECONDS,
                        keep=True,
                    )
                if self.current is record:
                    self.current = None
                self.refresh()
                return
            await self._ensure_draft(record)
            if record.communication_id is not None and record.ended_at is not None:
                from commcentre_tui.services.calls import record_hangup

                try:
                    call = await self.in_thread(
                        record_hangup, self.ctx, record.communication_id, record.ended_at
                    )
                except Exception as exc:
                    self.failed("record the call's duration", exc)
                else:
                    record.duration, record.version = call.call_duration_seconds, call.version
        self._after_call(record)
        self.refresh()

    def _after_call(self, record: CallRecord) -> None:
        if self.console_active:
            self.open_wrap_up(record)
            return
        self.offer("after-call work", lambda: self.open_wrap_up(record))
        tell(
            self.app,
            f"The call with {record.who} ended ({duration_words(record.seconds)}). "
            f"{self.key_label} opens the after-call work.",
            title="Call ended",
            timeout=OFFER_SECONDS,
        )

    def open_wrap_up(self, record: CallRecord) -> None:
        """The after-call work modal for ``record`` (once at a time)."""
        if self.pending is not None and self.pending[0] == "after-call work":
            self.pending = None
        if self._wrapping is record or record.completed:
            return
        self._wrapping = record

        def closed(_result: Any) -> None:
            self._wrapping = None
            if self.current is record:
                self.current = None
            self.refresh()

        self.app.push_screen(self.app.screen_port.wrap_up(self, record), closed)

    def wrap_up_target(self, record: CallRecord) -> tuple[int | None, str]:
        """Whom Complete logs the call for: its customer, else the loaded one."""
        if record.contact_id is not None:
            return record.contact_id, record.contact_name or self.loaded_names(record.contact_id)[0]
        loaded = self.app.customer_id
        return (loaded, self.loaded_names(loaded)[0]) if loaded is not None else (None, "")

    async def complete(
        self,
        record: CallRecord,
        *,
        category: str,
        notes: str,
        reason: str | None,
        outcome: str | None,
    ) -> None:
        """Complete the call (writing its Draft first if it has none yet); raises the service's
        errors (``ValidationFailed`` with field messages)."""
        from commcentre_tui.errors import RuleViolation
        from commcentre_tui.services.calls import complete_call, record_hangup, start_call_draft

        async with record.lock:
            if record.communication_id is None:
                contact_id, name = self.wrap_up_target(record)
                if contact_id is None:
                    raise RuleViolation(
                        "This call has no customer: load or log the customer "
                        "first, then complete it."
                    )
                record.set_customer(contact_id, name)
                started = record.answered_at or record.rang_at
                call = await self.in_thread(
                    start_call_draft,
                    self.ctx,
                    contact_id,
                    record.dial_number,
                    record.direction,
                    started,
                )
                record.communication_id, record.version = call.id, call.version
                if record.ended_at is not None:
                    call = await self.in_thread(record_hangup, self.ctx, call.id, record.ended_at)
                    record.duration, record.version = call.call_duration_seconds, call.version
            call = await self.in_thread(
                complete_call,
                self.ctx,
                record.communication_id,
                category,
                notes,
                reason,
                outcome,
                expected_version=record.version,
            )
            record.version, record.completed = call.version, True
        if record.contact_id is not None:
            self.app.post_message(CustomerChanged(record.contact_id))
        self.refresh()
