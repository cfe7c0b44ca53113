"""The console's :class:`~commcentre_tui.controllers.screen_port.ScreenPort`: the screens the
controllers open. Each is imported when first asked for, so start-up loads none of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.controllers.comms.state import FormRequest
    from commcentre_tui.controllers.cti.calls import CallRecord
    from commcentre_tui.controllers.cti.flow import CallFlow
    from commcentre_tui.controllers.screen_port import PickLoader
    from commcentre_tui.repo.cti_lookup import MatchedContact
    from commcentre_tui.repo.customer_detail import RecordRef


class ConsoleScreens:
    """Builds the screens a controller asks for (see ``ScreenPort`` for each one's result)."""

    def communication_form(self, request: FormRequest) -> Screen[Any]:
        from commcentre_tui.screens.comms.form import CommunicationScreen

        return CommunicationScreen(request)

    def pick(self, title: str, loader: PickLoader, *, empty: str) -> Screen[str | None]:
        from commcentre_tui.screens.comms.pick import PickScreen

        return PickScreen(title, loader, empty=empty)

    def confirm(self, question: str, *, yes: str, no: str) -> Screen[bool]:
        from commcentre_tui.dialogs.confirm import ConfirmScreen

        return ConfirmScreen(question, yes=yes, no=no)

    def record_view(self, ref: RecordRef) -> Screen[None]:
        from commcentre_tui.screens.detail import DetailScreen

        return DetailScreen(ref)

    def phone_pick(self, contact_id: int) -> Screen[str | None]:
        from commcentre_tui.screens.cti.pick import PhonePickScreen

        return PhonePickScreen(contact_id)

    def recent_calls(self, calls: Sequence[CallRecord]) -> Screen[int | None]:
        from commcentre_tui.screens.cti.recent import RecentCallsScreen

        return RecentCallsScreen(calls)

    def caller_pick(
        self, number: str, contacts: Sequence[MatchedContact], *, more: bool
    ) -> Screen[int | None]:
        from commcentre_tui.screens.cti.pick import CallerPickScreen

        return CallerPickScreen(number, contacts, more=more)

    def wrap_up(self, flow: CallFlow, record: CallRecord) -> Screen[bool]:
        from commcentre_tui.screens.cti.wrapup import WrapUpScreen

        return WrapUpScreen(flow, record)

    def run_action(self, app: CommCentreApp, name: str, extra: dict[str, Any]) -> None:
        from commcentre_tui.screens.actions.wiring import run_action

        run_action(app, name, extra)
