"""The CTI status indicator: the telephone link's state in words, the call, and the pop key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from commcentre_tui.cti.states import CONNECTED, OFF, RECONNECTING, is_failure
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.text import inert

if TYPE_CHECKING:
    from commcentre_tui.controllers.cti.controller import CtiController


def status_text(controller: CtiController | None) -> Text:
    """``CTI connected · ringing: María Hadjigeorgiou · F12: open the customer``.

    The state word is always spelled out (``off``, ``connecting``, ``connected``,
    ``reconnecting``, ``login failed: …``, ``failed: …``); nothing is said by colour alone.
    A :class:`~rich.text.Text` (never markup) of inert pieces: a caller id cannot style it or
    reach the terminal raw.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("CTI ", style="bold")
    state = controller.state if controller is not None else OFF
    style = "bold" if is_failure(state) or state == RECONNECTING else ""
    text.append(inert(state), style=style)
    if controller is None or state == OFF:
        return text
    call = controller.current
    if call is not None:
        text.append(" · ")
        text.append(inert(call.describe()), style="bold" if call.state == "ringing" else "")
    if controller.pending is not None:
        text.append(f" · {controller.key_label}: {inert(controller.pending[0])}")
    elif state == CONNECTED and call is None:
        text.append(f" · ext. {inert(controller.source.extension)}")
    return text


class CtiStatus(ConsoleAppMixin, Static):
    """Shows the CTI state in words; mount it in the console's status area.

    It follows the app's CTI controller (see :func:`~commcentre_tui.screens.cti.attach_cti`)
    whichever is created first, and reads ``CTI off`` when CTI is not attached or disabled.
    """

    DEFAULT_CSS = """
    CtiStatus {
        height: 1;
        width: 1fr;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("id", "cti-status")
        super().__init__(status_text(None), **kwargs)
        self.shown = "CTI off"
        """The plain text on screen (what the agent reads)."""

    def on_mount(self) -> None:
        from commcentre_tui.controllers.cti.controller import controller_of

        controller = controller_of(self.console_app)
        if controller is not None:
            controller.add_view(self)

    def on_unmount(self) -> None:
        from commcentre_tui.controllers.cti.controller import controller_of

        controller = controller_of(self.console_app)
        if controller is not None:
            controller.remove_view(self)

    def show(self, controller: CtiController | None) -> None:
        """Redraw from ``controller``'s state, call and pending key."""
        text = status_text(controller)
        self.shown = text.plain
        self.update(text)
