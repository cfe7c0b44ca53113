"""The supervisors' Wallboard: agents' states, the PBX queue, today's figures and the trend, live.

Every :data:`POLL_SECONDS` the screen reads the whole board
(:func:`commcentre_tui.repo.wallboard.read_board`, one short read) in a thread worker and redraws
its four panels. At 80×24 the panels stack and scroll (``1``–``4`` jump to a panel, PgUp/PgDn
page); from :data:`WIDE` columns × rows they sit in a 2×2 grid and everything shows at once.
Only supervisor roles may open it (palette "Wallboard", ``Ctrl+F``). "Set away" / "Set
available" in the palette let any agent say they are away (:mod:`.cti.agent_state`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Sparkline, Static

from commcentre_tui import zones
from commcentre_tui.failures import failure_sentence
from commcentre_tui.keys import bind
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.widgets import wallboard_panels as panels
from commcentre_tui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

log = logging.getLogger(__name__)

TITLE = "Wallboard"
#: Seconds between two reads of the board (the goal: a change shows within 2 s).
POLL_SECONDS = 1.0
#: (columns, rows) from which the four panels sit side by side.
WIDE = (160, 48)
PANELS = ("agents", "queue", "today", "trend")


def may_open(actor: Any) -> bool:
    """Whether ``actor`` may see the Wallboard: supervisor roles only."""
    return bool(getattr(actor, "agent_id", None) is not None and actor.is_supervisor)


def refusal(actor: Any) -> str:
    return (
        f"The Wallboard is for supervisors; your role ({actor.role_name}) is not a supervisor role."
    )


def wallboard_commands(app: CommCentreApp) -> Iterable[SystemCommand]:
    """Palette: "Wallboard" (supervisors), "Set away" / "Set available" (every agent)."""
    if may_open(app.actor):
        yield SystemCommand(
            TITLE,
            "Live agents, queue, today's figures and the trend (supervisors)",
            lambda: open_wallboard(app),
        )
    if getattr(app.actor, "agent_id", None) is None:
        return
    from commcentre_tui.controllers.cti.agent_state import publisher_of

    publisher = publisher_of(app)
    if publisher.away:
        yield SystemCommand(
            "Set available",
            "Show supervisors you are available for calls again",
            lambda: _set_away(app, False),
        )
    else:
        yield SystemCommand(
            "Set away",
            "Show supervisors you are away (a break, a meeting)",
            lambda: _set_away(app, True),
        )


def _set_away(app: CommCentreApp, away: bool) -> None:
    from commcentre_tui.controllers.cti.agent_state import publisher_of

    publisher_of(app).set_away(away)
    app.notify(
        "You show as away on the Wallboard." if away else "You show as available on the Wallboard.",
        title=TITLE,
    )


def open_wallboard(app: CommCentreApp) -> None:
    """Show the Wallboard (supervisors; anyone else is told why not)."""
    if not may_open(app.actor):
        app.notify(refusal(app.actor), title=TITLE, severity="warning")
        return
    if isinstance(app.screen, WallboardScreen):
        return
    app.push_screen(WallboardScreen())


class WallboardScreen(ConsoleAppMixin, Screen[None]):
    """See the module docstring."""

    DEFAULT_CSS = """
    WallboardScreen #wall-title { height: 1; padding: 0 1; background: $boost; }
    WallboardScreen #wall-body { height: 1fr; scrollbar-size-vertical: 1; }
    WallboardScreen .wall-panel {
        height: auto; border-top: heavy $primary; border-title-align: left;
        border-title-style: bold; padding: 0 0 1 0;
    }
    WallboardScreen #wall-body.-wide { layout: grid; grid-size: 2 2; grid-columns: 1fr 1fr; }
    WallboardScreen #wall-body.-wide .wall-panel { height: 1fr; overflow-y: auto; padding: 0 1; }
    WallboardScreen .trend-row { height: 1; }
    WallboardScreen .trend-label { width: 6; }
    WallboardScreen .trend-row Sparkline { width: 72; height: 1; }
    WallboardScreen .trend-numbers { width: 78; height: 1; }
    """

    BINDINGS = [
        bind("back", "back"),
        *(
            Binding(
                str(n),
                f"jump('{name}')",
                name.capitalize(),
                show=n == 1,
                tooltip=f"Scroll to the {name.capitalize()} panel",
                id=f"wall_{name}",
            )
            for n, name in enumerate(PANELS, start=1)
        ),
        Binding("f", "failures", "Failed", tooltip="List today's failed deliveries"),
        Binding("pagedown", "page(1)", "Page", show=False, tooltip="Next page"),
        Binding("pageup", "page(-1)", "Page up", show=False, tooltip="Previous page"),
    ]

    def __init__(self, tz: tzinfo | None = None) -> None:
        super().__init__(id="wallboard")
        self.tz = tz
        """The zone of the day and hours (``None``: this machine's)."""
        self.board: Any = None
        """The last board read (``None`` before the first read)."""
        self.reads = 0
        """Boards shown so far."""
        self._reading = False
        self._shown = asyncio.Event()
        self._past: dict[Any, Any] = {}
        """Last week's hourly figures, read once a day (see ``read_board``)."""

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="☰")
        yield Static(Text(f"{TITLE}: reading …"), id="wall-title")
        with VerticalScroll(id="wall-body"):
            for n, name in enumerate(PANELS, start=1):
                with Vertical(id=f"panel-{name}", classes="wall-panel") as panel:
                    panel.border_title = f"{n} {name.capitalize()}"
                    if name == "trend":
                        yield from self._trend()
                    else:
                        yield Static("", id=f"wall-{name}")
        yield ConsoleFooter()

    def _trend(self) -> ComposeResult:
        for series in ("calls", "comms"):
            yield Static("", id=f"trend-{series}-caption")
            for suffix, words in (("", "today"), ("-lw", "l.wk")):
                with Horizontal(classes="trend-row"):
                    yield Static(words, classes="trend-label")
                    yield Sparkline([0] * 72, summary_function=max, id=f"spark-{series}{suffix}")
            yield Static("", id=f"trend-{series}-numbers", classes="trend-numbers")
            yield Static("", id=f"trend-{series}-numbers-lw", classes="trend-numbers")

    def on_mount(self) -> None:
        app = self.console_app
        if not may_open(app.actor):  # reached some other way: say why, and leave
            app.notify(refusal(app.actor), title=TITLE, severity="warning")
            self.call_after_refresh(self.dismiss, None)
            return
        self._layout()
        self.query_one("#wall-body").focus()
        self.poll()
        self.set_interval(POLL_SECONDS, self.poll)

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        size = self.app.size
        self.query_one("#wall-body").set_class(
            size.width >= WIDE[0] and size.height >= WIDE[1], "-wide"
        )

    # Reading ------------------------------------------------------------------------------
    def poll(self) -> None:
        """Read the board in a thread worker (skipped while the last read is still running)."""
        if self._reading:
            return
        self._reading = True
        engine, tz, past = self.console_app.engine, self.tz or _local_zone(), self._past

        def read() -> Any:
            from commcentre_tui.repo.wallboard import read_board

            return read_board(engine, tz=tz, past=past)

        fetch(
            self,
            read,
            self.show,
            group="wallboard",
            what="reading the board",
            on_error=self._failed,
        )

    def _failed(self, exc: BaseException) -> bool:
        """Said in the title (the next tick tries again); handled: ``True``."""
        log.warning("wallboard read failed", exc_info=exc)
        self._reading = False
        self.query_one("#wall-title", Static).update(
            Text(
                f"{TITLE}: {failure_sentence(exc, 'reading the board')} (It reads again by itself.)"
            )
        )
        return True

    def show(self, board: Any) -> None:
        """Redraw every panel from ``board`` (UI loop)."""
        self._reading = False
        self.board = board
        self.reads += 1
        shown, self._shown = self._shown, asyncio.Event()
        shown.set()
        tz = self.tz or _local_zone()
        signed_in = sum(1 for a in board.agents if a.state != "signed_out")
        title = Text(TITLE, style="bold")
        title.append(f" · {signed_in} signed in · updated {board.at.astimezone(tz):%H:%M:%S}")
        title.append("  ·  1–4 panels, f failed deliveries, Esc back", style="dim")
        self.query_one("#wall-title", Static).update(title)
        self.query_one("#wall-agents", Static).update(panels.agents_text(board, tz))
        self.query_one("#wall-queue", Static).update(panels.queue_text(board))
        self.query_one("#wall-today", Static).update(panels.today_text(board.today))
        hour = panels.hour_of(board, tz)
        for name, values in panels.trend_rows(board.trend).items():
            # each hour fills HOUR_CELLS columns, so the numbers under the chart line up
            self.query_one(f"#spark-{name}", Sparkline).data = [
                v for v in values for _ in range(panels.HOUR_CELLS)
            ]
        trend = board.trend
        for series, label, now, before in (
            ("calls", "Calls", trend.calls, trend.calls_last_week),
            ("comms", "Communications", trend.comms, trend.comms_last_week),
        ):
            self.query_one(f"#trend-{series}-caption", Static).update(
                panels.trend_caption(label, now, before, hour)
            )
            self.query_one(f"#trend-{series}-numbers", Static).update(
                Text(f"today {panels.hour_numbers(now)}")
            )
            self.query_one(f"#trend-{series}-numbers-lw", Static).update(
                Text(f"l.wk  {panels.hour_numbers(before)}")
            )

    # Keys ---------------------------------------------------------------------------------
    def action_jump(self, name: str) -> None:
        """Scroll the panel ``name`` into view."""
        self.query_one("#wall-body", VerticalScroll).scroll_to_widget(
            self.query_one(f"#panel-{name}"), top=True, animate=False
        )

    def action_page(self, direction: int) -> None:
        body = self.query_one("#wall-body", VerticalScroll)
        if direction > 0:
            body.scroll_page_down(animate=False)
        else:
            body.scroll_page_up(animate=False)

    def action_failures(self) -> None:
        """Today's failed deliveries; Enter there loads the customer in the console."""
        from commcentre_tui.models.types import utcnow
        from commcentre_tui.repo.wallboard import day_bounds
        from commcentre_tui.screens.failed_deliveries import FailedDeliveriesScreen

        tz = self.tz or _local_zone()
        start, _ = day_bounds(utcnow(), tz)

        def chosen(contact_id: int | None) -> None:
            if contact_id is None:
                return
            app = self.console_app
            self.dismiss(None)
            app.load_customer(contact_id, focus=True)

        self.app.push_screen(FailedDeliveriesScreen(start, tz), chosen)

    def action_back(self) -> None:
        self.dismiss(None)

    # What a test or a user reads ----------------------------------------------------------
    async def shows(self, predicate: Callable[[], Any], timeout: float = 20.0) -> None:
        """Wait until ``predicate()`` holds after a redraw (``timeout`` is a safety net only)."""

        async def loop() -> None:
            while not predicate():
                await self._shown.wait()

        await asyncio.wait_for(loop(), timeout)

    def panel_text(self, name: str) -> str:
        """The plain text of panel ``name`` (``agents``, ``queue``, ``today``)."""
        return str(self.query_one(f"#wall-{name}", Static).render())


def _local_zone() -> tzinfo:
    return zones.zone()
