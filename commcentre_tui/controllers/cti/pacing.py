"""A call burst cannot freeze the console: what the events change is applied at once (cheap
bookkeeping), what the agent is shown is paced.

- The status line is redrawn at most every :data:`FLUSH_SECONDS` (an isolated event at once).
- At most one screen pop (lookup, notification, bell) per :data:`POP_SECONDS`: the newest call
  still ringing; the calls it supersedes are in Recent Calls and pop if answered.
- Calls that rang and ended before they could be shown are told in one notification per
  :data:`MISSED_SECONDS` ("Missed call from …" or "12 missed calls; the last from …") and
  counted in the log.

Mixed into :class:`~commcentre_tui.controllers.cti.controller.CtiController` (UI loop only).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from commcentre_tui.controllers.cti.tell import tell
from commcentre_tui.support.bell import bell

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.controllers.cti.calls import CallRecord
    from commcentre_tui.cti import CallSource

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.05
POP_SECONDS = 1.0
MISSED_SECONDS = 5.0


class Pacing:
    """Deferred pops, counted missed calls and a throttled redraw; see the module docstring."""

    app: CommCentreApp
    source: CallSource
    current: CallRecord | None

    def refresh(self) -> None: ...
    async def _lookup(self, record: CallRecord, *, pop: bool) -> None: ...

    def _init_pacing(self) -> None:
        self._rings: list[CallRecord] = []
        self._missed = 0
        self._missed_last: CallRecord | None = None
        self._missed_total = 0
        self._handle: asyncio.TimerHandle | None = None
        self._handle_at = 0.0
        self._flushed_at = self._popped_at = self._missed_told_at = float("-inf")
        self.unshown = 0
        """Calls of this session that rang and ended before the console could show them."""

    def calls_apart(self) -> None:
        """Forget when the last pop was: the next call pops at once, as a call minutes after
        the last does (benchmarks that ring one call after another without waiting)."""
        self._popped_at = float("-inf")

    def ring_later(self, record: CallRecord) -> None:
        """``record`` rang (or began): it may pop at the next flush."""
        self._rings.append(record)
        self.touch()

    def missed_unseen(self, record: CallRecord) -> None:
        """``record`` ended unanswered before it was shown: told with the next summary."""
        self._missed += 1
        self._missed_last = record
        self.unshown += 1
        if self.current is record:
            self.current = None
        self.touch()

    def touch(self) -> None:
        """Something changed: flush now when the console is idle, else soon."""
        now = time.monotonic()
        due = max(self._flushed_at + FLUSH_SECONDS, now)
        if self._handle is not None and self._handle_at <= due:
            return  # a flush is coming soon enough
        if due <= now and self.source.backlog == 0:
            self.flush()
            return
        self._schedule(due)

    def _schedule(self, at: float) -> None:
        """Flush at ``at`` (``time.monotonic()``), instead of any flush planned before."""
        if self._handle is not None:
            self._handle.cancel()
        self._handle_at = at
        self._handle = asyncio.get_running_loop().call_later(
            max(at - time.monotonic(), 0.0), self.flush
        )

    def flush(self) -> None:
        """Pop the newest ringing call (paced), tell the unseen missed calls (paced), redraw."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not getattr(self.app, "is_running", True):
            return  # (a flush planned before the console closed)
        now = self._flushed_at = time.monotonic()
        later: list[float] = []
        live = [r for r in self._rings if r.state == "ringing" and not r.presented]
        if live:
            if now - self._popped_at >= POP_SECONDS:
                self._popped_at = now
                self.present(live[-1])
                self._rings = []
                if len(live) > 1:
                    log.info("CTI: %d calls rang at once; popped the newest", len(live))
            else:
                self._rings = live[-1:]  # only the newest can still pop
                later.append(self._popped_at + POP_SECONDS)
        else:
            self._rings = []
        if self._missed:
            if now - self._missed_told_at >= MISSED_SECONDS:
                self._tell_missed()
                self._missed_told_at = now
            else:
                later.append(self._missed_told_at + MISSED_SECONDS)
        if later:
            self._schedule(max(min(later), now + FLUSH_SECONDS))
        self.refresh()

    def present(self, record: CallRecord) -> None:
        """The screen pop for ``record``: the caller looked up (and loaded), the bell."""
        if record.presented:
            return
        record.presented = True
        incoming = record.direction == "incoming"
        if incoming:
            bell(self.app)  # [ui] bell: the agent hears the call as well as seeing it
            tell(self.app, record.shown_number, title="Incoming call")
        self.app.run_worker(
            self._lookup(record, pop=incoming), group="cti-call", exit_on_error=False
        )

    def _tell_missed(self) -> None:
        missed, self._missed = self._missed, 0
        self._missed_total += missed
        last = self._missed_last.who if self._missed_last is not None else "a withheld number"
        self._missed_last = None
        if missed == 1:
            tell(self.app, f"Missed call from {last}.", title="Missed call", timeout=20, keep=True)
            return
        log.warning(
            "CTI: %d calls rang and ended before the console could show them (%d this session)",
            missed,
            self._missed_total,
        )
        tell(
            self.app,
            f"{missed} missed calls; the last from {last}. Recent Calls (Ctrl+P) lists them.",
            title="Missed calls",
            timeout=20,
            keep=True,
        )
