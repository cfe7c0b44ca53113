"""Click-to-dial: the PBX calls the agent's extension, then the number (the call is then with
the contact it was dialled for), and the phones of a contact the "Call …" commands offer.

Mixed into :class:`~commcentre_tui.controllers.cti.controller.CtiController` (UI loop only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from commcentre_tui.controllers.cti.tell import tell
from commcentre_tui.cti import CtiError
from commcentre_tui.cti.source import dial_number as pbx_number

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.cti import CallSource

log = logging.getLogger("commcentre_tui.controllers.cti.controller")  # the records keep their name


class Dialing:
    """Click-to-dial and the contact's known phones; see the module docstring."""

    app: CommCentreApp
    source: CallSource
    _dials: dict[str, int | None]
    """Numbers dialled (as the PBX shows them) → the contact each call is with."""
    _phones: tuple[int, tuple[str, ...]] | None
    _fetching: int | None

    if TYPE_CHECKING:  # a property and methods of the controller, declared for the checker

        @property
        def enabled(self) -> bool: ...
        def refresh(self) -> None: ...
        async def in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
        def failed(self, doing: str, exc: BaseException) -> None: ...

    def dial(self, number: str, contact_id: int | None) -> None:
        """Ask the PBX to call ``number`` from the agent's extension (the call is with
        ``contact_id``)."""
        if not self.enabled:
            tell(
                self.app,
                f"Click-to-dial is not available: {self.source.detail}",
                title="Click-to-dial",
                severity="warning",
            )
            return
        try:
            target = pbx_number(number)
        except CtiError as exc:
            self.failed("dial", exc)
            return
        self._dials[target] = contact_id
        while len(self._dials) > 20:
            self._dials.pop(next(iter(self._dials)))
        self.app.run_worker(self._originate(number, target), group="cti-dial", exit_on_error=False)

    async def _originate(self, number: str, target: str) -> None:
        try:
            await self.source.originate(number)
        except CtiError as exc:
            self._dials.pop(target, None)
            self.failed("dial", exc)
            return
        tell(
            self.app,
            f"Calling {number}: your phone rings first, then the customer's.",
            title="Click-to-dial",
        )
        self.refresh()

    def known_phones(self, contact_id: int) -> tuple[str, ...]:
        """The phones of ``contact_id`` the console knows now (all of them once fetched)."""
        if self._phones is not None and self._phones[0] == contact_id:
            return self._phones[1]
        self.prefetch_phones(contact_id)
        try:
            summary = self.app.console_screen.customer_view.header.summary
        except Exception:
            return ()
        if summary is not None and summary.contact_id == contact_id and summary.main_phone:
            return (summary.main_phone,)
        return ()

    def prefetch_phones(self, contact_id: int) -> None:
        """Read ``contact_id``'s phones in a thread worker (for the "Call …" commands)."""
        if self._fetching == contact_id:
            return
        self._fetching = contact_id
        self.app.run_worker(self._fetch_phones(contact_id), group="cti-phones", exit_on_error=False)

    async def _fetch_phones(self, contact_id: int) -> None:
        try:
            info = await self.in_thread(self.app.gateway.contact_info, contact_id)
        except Exception:
            log.exception("CTI: could not read the phones of contact %s", contact_id)
            return
        finally:
            self._fetching = None
        self._phones = (contact_id, tuple(p.e164 or p.number for p in info.phones))
