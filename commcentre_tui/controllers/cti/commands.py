"""Click-to-dial and the CTI palette commands ("Call customer", "Call <phone>", "Recent Calls").

:func:`dial_shown_phone` is the customer view's one-key dial (keymap id ``dial``, Ctrl+D): it
calls the phone shown in the customer header.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand

from commcentre_tui.controllers.cti.controller import controller_of
from commcentre_tui.controllers.cti.tell import tell

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp


def dial_number(app: CommCentreApp, number: str, contact_id: int | None = None) -> None:
    """Ask the PBX to ring the agent's phone and then call ``number`` (AMI ``Originate``).

    The call is logged for ``contact_id`` (default: the loaded customer) and then follows the
    incoming flow: a Draft outgoing Phone communication on answer, the wrap-up on hang-up.
    Problems are notified in one sentence.
    """
    controller = controller_of(app)
    if controller is None:
        tell(
            app,
            "Click-to-dial needs telephony (CTI), which is off.",
            title="Click-to-dial",
            severity="warning",
        )
        return
    controller.dial(number, contact_id if contact_id is not None else app.customer_id)


def dial_available(app: CommCentreApp) -> bool:
    """Whether click-to-dial is on (CTI enabled): the dial key is then shown in the footer."""
    controller = controller_of(app)
    return controller is not None and controller.enabled


def shown_phone(app: CommCentreApp) -> str | None:
    """The phone the customer header shows (the main phone), once the header is loaded."""
    try:
        summary = app.console_screen.customer_view.header.summary
    except Exception:
        return None
    if summary is None or summary.contact_id != app.customer_id:
        return None
    return summary.main_phone or None


def dial_shown_phone(app: CommCentreApp) -> None:
    """One key: call the loaded customer's phone shown in the header from the agent's extension.

    Says in one sentence why not when no customer is loaded, the customer has no phone, or
    telephony is off (then it names the number to dial by hand).
    """
    contact_id = app.customer_id
    if contact_id is None:
        tell(
            app,
            "Load a customer first (search, then Enter).",
            title="Click-to-dial",
            severity="warning",
        )
        return
    number = shown_phone(app)
    if number is None:
        tell(
            app,
            "This customer has no phone number to call; add one with Add More Information.",
            title="Click-to-dial",
            severity="warning",
        )
        return
    controller = controller_of(app)
    if controller is None or not dial_available(app):
        tell(
            app,
            f"Telephony (CTI) is off, so the console cannot dial; call {number} from your phone.",
            title="Click-to-dial",
            severity="warning",
        )
        return
    controller.dial(number, contact_id)


def open_call_customer(app: CommCentreApp) -> None:
    """The loaded customer's phones in a pick list; Enter calls one."""
    contact_id = app.customer_id
    if contact_id is None:
        tell(app, "Load a customer first (search, then Enter).", severity="warning")
        return

    def chosen(number: str | None) -> None:
        if number:
            dial_number(app, number, contact_id)

    app.push_screen(app.screen_port.phone_pick(contact_id), chosen)


def open_recent_calls(app: CommCentreApp) -> None:
    """This session's calls; Enter loads the call's customer."""
    controller = controller_of(app)
    calls = list(reversed(controller.calls.values())) if controller is not None else []

    def chosen(contact_id: int | None) -> None:
        if contact_id is not None:
            app.load_customer(contact_id, focus=True)

    app.push_screen(app.screen_port.recent_calls(calls), chosen)


def call_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """Palette entries while CTI is on: "Call customer" and "Call <phone>" for each phone of
    the loaded customer (the list fills in once the phones are read), and "Recent Calls"."""
    controller = controller_of(app)
    if controller is None or not controller.enabled:
        return
    contact_id = app.customer_id
    if contact_id is not None:
        yield SystemCommand(
            "Call customer",
            "Choose one of the loaded customer's phones to call",
            lambda: open_call_customer(app),
        )
        extension = controller.source.extension
        for number in controller.known_phones(contact_id):
            yield SystemCommand(
                f"Call {number}",
                f"Click-to-dial from extension {extension}",
                _dialler(app, number, contact_id),
            )
    yield SystemCommand(
        "Recent Calls",
        "This session's calls; Enter loads the customer",
        lambda: open_recent_calls(app),
    )


def _dialler(app: CommCentreApp, number: str, contact_id: int) -> Any:
    return lambda: dial_number(app, number, contact_id)
