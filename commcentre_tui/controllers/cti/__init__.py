"""The console side of CTI: status indicator, screen pop, call log, wrap-up, click-to-dial.

The app wires four things (see ``docs/cti.md``): :func:`attach_cti` on mount, a
:class:`~commcentre_tui.widgets.cti_status.CtiStatus` in the status area, :func:`call_commands` in the command palette, and
:func:`dial_shown_phone` on the customer view's dial key (Ctrl+D). Everything else follows from the call events.
"""

from commcentre_tui.controllers.cti.commands import (
    call_commands,
    dial_number,
    dial_shown_phone,
    open_call_customer,
    open_recent_calls,
)
from commcentre_tui.controllers.cti.controller import (
    CtiController,
    attach_cti,
    controller_of,
    open_pending,
)

__all__ = [
    "CtiController",
    "attach_cti",
    "call_commands",
    "controller_of",
    "dial_number",
    "dial_shown_phone",
    "open_call_customer",
    "open_pending",
    "open_recent_calls",
]
