"""The Textual application and its factory (placeholder console until the console work lands)."""

from __future__ import annotations

from sqlalchemy import Engine
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from commcentre_tui.config import Settings
from commcentre_tui.repo.permissions import Actor


class CommCentreApp(App[None]):
    """The Communication Centre console."""

    TITLE = "commcentre"

    def __init__(self, *, settings: Settings, engine: Engine, actor: Actor) -> None:
        super().__init__()
        self.settings = settings
        self.engine = engine
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Signed in as {self.actor.display_name or self.actor.username}.", id="welcome")
        yield Footer()


def create_app(*, settings: Settings, engine: Engine, actor: Actor) -> CommCentreApp:
    """Build the console; the CLI and the tests both use this."""
    return CommCentreApp(settings=settings, engine=engine, actor=actor)
