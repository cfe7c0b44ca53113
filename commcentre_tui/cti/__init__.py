"""Telephony (CTI): call events from Asterisk (AMI), an HTTP event listener or the team bridge.

The console needs only :func:`make_call_source` → :class:`CallSource` (``events()``, ``state``,
``add_state_listener``, ``originate``), :class:`CallEvent`, the state words in
:mod:`commcentre_tui.cti.states`, :func:`commcentre_tui.repo.cti_lookup.lookup_caller` and the
call-log services in :mod:`commcentre_tui.services.calls`. See ``docs/cti.md``. No Textual here.
"""

from commcentre_tui.cti.events import CallEvent, CtiError
from commcentre_tui.cti.source import CallSource, make_call_source

__all__ = ["CallEvent", "CallSource", "CtiError", "make_call_source"]
