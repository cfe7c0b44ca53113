"""Palette "Watch agent…" (supervisors, in a console served by ``serve-ssh``): pick an agent with a
console open on the server; their console then shows on this terminal, read-only, until q."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import SystemCommand
from textual.widgets.option_list import Option

from commcentre_tui.controllers.ssh_link import Agents, ssh_link
from commcentre_tui.screens.pick_list import PICK_CSS, PickListScreen

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

TITLE = "Watch agent…"


class WatchAgentScreen(PickListScreen[str]):
    """The agents the supervisor may watch: Enter watches the highlighted one, Esc closes."""

    DEFAULT_CSS = PICK_CSS.format(name="WatchAgentScreen")
    LIST_ID = "agents"

    def __init__(self, agents: Agents) -> None:
        super().__init__()
        self.agents = agents

    def pick_title(self) -> Text:
        return Text("Watch agent")

    def pick_options(self) -> list[Option]:
        options = []
        for agent in self.agents:
            label = Text(agent["name"], style="bold")
            label.append(f"  {agent['username']}")
            if agent["unit"]:
                label.append(f" · {agent['unit']}")
            options.append(Option(label, id=agent["username"]))
        return options

    def pick_hint(self, options: list[Option]) -> str:
        return (
            "Enter shows their console, read-only; q ends the watch · Esc closes"
            if options
            else "Nobody you may watch has a console open on this server · Esc closes"
        )

    def picked(self, option_id: str | None) -> str | None:
        return option_id


def open_watch_agent(app: CommCentreApp) -> None:
    """Ask the server whom the supervisor may watch, then show the list."""
    link = ssh_link(app)
    if link is None:
        return

    def watch(username: str | None) -> None:
        if username:
            link.watch(username)

    def show(agents: Agents) -> None:
        app.push_screen(WatchAgentScreen(agents), watch)

    link.ask_agents(show)


def watch_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """Palette: "Watch agent…" for supervisors whose console runs under ``serve-ssh``."""
    if app.actor.is_supervisor and ssh_link(app) is not None:
        yield SystemCommand(
            TITLE,
            "Show an agent's console on your screen, read-only (q ends)",
            lambda: open_watch_agent(app),
        )
