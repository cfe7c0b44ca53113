"""The voucher secret number in a dialog that stays until the agent dismisses it.

A fading notification could vanish before the agent has read the number to the customer; this
dialog waits for Enter or Esc (the retrieval itself is audited by the service).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from commcentre_tui.text import inert


class SecretDialog(ModalScreen[None]):
    """Shows one voucher's secret number until dismissed (Enter, Esc or the button)."""

    DEFAULT_CSS = """
    SecretDialog { align: center middle; }
    SecretDialog > Vertical {
        width: 60; max-width: 100%; height: auto; border: thick $warning; background: $panel;
        padding: 1 2;
    }
    SecretDialog #secret-number { text-style: bold; margin: 1 0; }
    SecretDialog Horizontal { height: auto; align-horizontal: right; }
    """
    BINDINGS = [
        Binding(
            "escape,enter",
            "close",
            "Close",
            id="secret_close",
            tooltip="Close the secret number (it is not shown again without a new retrieval)",
        ),
    ]

    def __init__(self, serial: str, details: str, secret: str) -> None:
        super().__init__()
        self.serial = serial
        self.details = details
        self.secret = secret

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Voucher secret number"
            yield Static(
                Text(f"Voucher {inert(self.serial)} ({inert(self.details)})"), id="secret-voucher"
            )
            yield Static(Text(f"Secret number: {inert(self.secret)}"), id="secret-number")
            yield Static(
                Text(
                    "Read it to the customer; this retrieval is recorded in the audit "
                    "trail. Press Enter or Esc to close."
                ),
                id="secret-note",
            )
            with Horizontal():
                yield Button("Close (Enter)", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
