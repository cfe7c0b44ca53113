"""The windows a controller opens, asked of the UI layer rather than imported from it.

Controllers sit below the screens (docs/DEVELOPING.md, "Layers"). When a flow needs a window —
the communication form, a pick list, a yes/no question, a record's view, the CTI pick lists and
the after-call work — it asks ``app.screen_port`` (a :class:`ScreenPort`), which the UI layer
provides (:class:`commcentre_tui.screens.port.ConsoleScreens`, set when the app is built). Each
method builds the screen; the controller pushes it with the callback its flow needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.screen import Screen

    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.controllers.comms.state import FormRequest
    from commcentre_tui.controllers.cti.calls import CallRecord
    from commcentre_tui.controllers.cti.flow import CallFlow
    from commcentre_tui.repo.cti_lookup import MatchedContact
    from commcentre_tui.repo.customer_detail import RecordRef
    from commcentre_tui.services.context import ServiceContext

#: What a pick list shows: ``(value, label)`` pairs, read in a worker with a service context.
PickLoader = Callable[["ServiceContext"], list[tuple[str, str]]]


class ScreenPort(Protocol):
    """The screens the controllers open (each returns the screen to push)."""

    def communication_form(self, request: FormRequest) -> Screen[Any]:
        """The communication form for ``request`` (dismissed with the saved communication)."""
        ...

    def pick(self, title: str, loader: PickLoader, *, empty: str) -> Screen[str | None]:
        """A modal list of what ``loader`` returns; dismissed with the chosen value."""
        ...

    def confirm(self, question: str, *, yes: str, no: str) -> Screen[bool]:
        """A yes/no question."""
        ...

    def record_view(self, ref: RecordRef) -> Screen[None]:
        """A record's read-only view."""
        ...

    def phone_pick(self, contact_id: int) -> Screen[str | None]:
        """The customer's phones; dismissed with the number to call."""
        ...

    def recent_calls(self, calls: Sequence[CallRecord]) -> Screen[int | None]:
        """This session's calls; dismissed with the customer to load."""
        ...

    def caller_pick(
        self, number: str, contacts: Sequence[MatchedContact], *, more: bool
    ) -> Screen[int | None]:
        """The customers sharing a caller's number; dismissed with the one chosen."""
        ...

    def wrap_up(self, flow: CallFlow, record: CallRecord) -> Screen[bool]:
        """The after-call work of ``record``."""
        ...

    def run_action(self, app: CommCentreApp, name: str, extra: dict[str, Any]) -> None:
        """Open the Action Panel action ``name``'s form, pre-filled with ``extra``."""
        ...
