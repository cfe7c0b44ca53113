"""The customer view: the header and the five tabs, the visible one first.

Loading a customer reads the header and the visible tab at once; the other tabs are read a
moment later in the background (:data:`PREFETCH_DELAY`), or at once if the agent switches to one
before that, so a tab switch is usually only a repaint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher

from commcentre_tui.keys import TAB_IDS
from commcentre_tui.repo.customer_rows import CustomerSummary
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import LOADING_DELAY, fetch, focus_now
from commcentre_tui.widgets.customer_header import CustomerHeader
from commcentre_tui.widgets.tab_strip import TabStrip
from commcentre_tui.widgets.tabs import CustomerTab
from commcentre_tui.widgets.tabs.care import CareTab
from commcentre_tui.widgets.tabs.dashboard import DashboardTab
from commcentre_tui.widgets.tabs.financials import FinancialsTab
from commcentre_tui.widgets.tabs.rewards import RewardsTab
from commcentre_tui.widgets.tabs.subscriptions import SubscriptionsTab

#: Seconds after a customer load before the hidden tabs are read in the background.
PREFETCH_DELAY = 0.3

#: Tab id → (title, key shown in the tab, widget class), in the seed's order.
TABS: dict[str, tuple[str, str, type[CustomerTab]]] = {
    "dashboard": ("Dashboard", "F5", DashboardTab),
    "subscriptions": ("Subscriptions", "F6", SubscriptionsTab),
    "financials": ("Financials", "F7", FinancialsTab),
    "care": ("Customer Care", "F8", CareTab),
    "rewards": ("Rewards", "F9", RewardsTab),
}
assert tuple(TABS) == TAB_IDS


class CustomerView(ConsoleAppMixin, Vertical):
    """Header plus the Dashboard, Subscriptions, Financials, Customer Care and Rewards tabs."""

    DEFAULT_CSS = """
    CustomerView { height: 1fr; }
    CustomerView > ContentSwitcher { height: 1fr; }
    CustomerView > ContentSwitcher > CustomerTab { padding: 0 1; }
    """

    @dataclass
    class Loaded(Message):
        """The header of ``summary``'s customer is on screen."""

        summary: CustomerSummary

    @dataclass
    class LoadFailed(Message):
        """The customer could not be loaded."""

        contact_id: int

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]  # forwards Textual's own widget keywords unchanged
        self.contact_id: int | None = None
        self._prefetch: Any = None
        self._reveal: Callable[[], Any] | None = None
        self._focus_on_show = False

    def compose(self) -> ComposeResult:
        yield CustomerHeader(id="customer-header")
        # F5–F9 switch tabs; the strip never takes the cursor (Tab moves between the tables).
        yield TabStrip(
            [(tab_id, f"{key} {title}") for tab_id, (title, key, _) in TABS.items()],
            id="customer-tabs",
        )
        with ContentSwitcher(initial="dashboard-tab", id="customer-tab-panes"):
            for tab_id, (_title, _key, cls) in TABS.items():
                yield cls(id=f"{tab_id}-tab")

    def on_mount(self) -> None:
        for tab_id in TABS:
            self.tab(tab_id).on_shown = self._tab_shown

    @property
    def header(self) -> CustomerHeader:
        return self.query_one(CustomerHeader)

    @property
    def tabs(self) -> TabStrip:
        """The tab strip; ``tabs.active`` is the visible tab's id."""
        return self.query_one("#customer-tabs", TabStrip)

    def tab(self, tab_id: str) -> CustomerTab:
        """The widget of tab ``tab_id``."""
        return self.query_one(f"#{tab_id}-tab", CustomerTab)

    @property
    def active_tab(self) -> CustomerTab:
        return self.tab(self.tabs.active or "dashboard")

    def load(self, contact_id: int, *, reveal: Callable[[], Any] | None = None) -> None:
        """Show ``contact_id``: header and visible tab now, other tabs when first shown.

        ``reveal`` brings the view on screen: called once the header and the visible tab are
        filled, when the load fails, or after :data:`LOADING_DELAY` if it is still loading.
        """
        self.contact_id = contact_id
        self.header.show_loading(contact_id)
        gateway = self.console_app.gateway
        if reveal is not None:  # (a reload keeps a reveal still pending)
            self._reveal = reveal

            def slow() -> None:
                if self._reveal is reveal:  # this load is still coming in
                    self._revealed()

            self.set_timer(LOADING_DELAY, slow)

        def failed(exc: BaseException) -> bool:
            self._revealed()
            self.post_message(self.LoadFailed(contact_id))
            return False

        fetch(
            self,
            lambda: gateway.summary(contact_id),
            self._summary,
            group="customer",
            what="loading the customer",
            on_error=failed,
        )
        for tab_id in TABS:
            self.tab(tab_id).stale = True
        self.active_tab.load(contact_id)
        if self._prefetch is not None:
            self._prefetch.stop()
        self._prefetch = self.set_timer(PREFETCH_DELAY, lambda: self._load_hidden(contact_id))

    def close(self) -> None:
        """Forget the loaded customer (Close Customer): nothing is shown until the next load."""
        self.contact_id = None
        self._reveal = None
        self._focus_on_show = False
        if self._prefetch is not None:
            self._prefetch.stop()
            self._prefetch = None
        for tab_id in TABS:
            self.tab(tab_id).stale = True
        self.header.summary = None
        self.header.presence_note = ""
        self.header.update("", layout=False)
        from commcentre_tui.widgets.presence import PresenceKeeper

        for keeper in self.screen.query(PresenceKeeper):
            keeper.beat()  # the presence session no longer names the customer

    def _load_hidden(self, contact_id: int) -> None:
        """Read the tabs not shown yet, so switching to them is only a repaint."""
        if contact_id != self.contact_id:
            return
        for tab_id in TABS:
            self._ensure_loaded(tab_id)

    def populated(self) -> bool:
        """Whether the header and the visible tab show the loaded customer."""
        summary = self.header.summary
        return (
            self.contact_id is not None
            and summary is not None
            and summary.contact_id == self.contact_id
            and self.active_tab.shown_for == self.contact_id
        )

    def reload(self) -> None:
        """Read the loaded customer again (after an action changed it)."""
        if self.contact_id is not None:
            self.load(self.contact_id)

    def _revealed(self) -> None:
        """Bring the view on screen (once per load) if a load asked to."""
        reveal, self._reveal = self._reveal, None
        if reveal is not None:
            reveal()

    def _tab_shown(self, tab: CustomerTab) -> None:
        if tab is not self.active_tab:
            return
        if self.populated():
            self._revealed()
        if self._focus_on_show:
            # Asked for while the tab was still loading (its indicator refuses the focus), or
            # the focus is left on a panel no longer shown: the tab's first table takes it.
            self._focus_on_show = False
            focused = self.screen.focused
            if self.screen is not self.app.screen:
                return  # a form or a dialog is open over the console: never take its cursor
            if focused is None or not all(
                node.display for node in focused.ancestors_with_self if isinstance(node, Widget)
            ):
                self.focus_tab()

    def focus_when_shown(self) -> None:
        """Put the cursor in the visible tab now, and again once its data is shown."""
        self._focus_on_show = not self.populated()
        self.focus_tab()

    def _summary(self, summary: CustomerSummary) -> None:
        if summary.contact_id != self.contact_id:
            return
        self.header.show_summary(summary)
        if self.populated():
            self._revealed()
        self.post_message(self.Loaded(summary))

    def show_tab(self, tab_id: str) -> None:
        """Switch to ``tab_id`` and put the cursor in its first table."""
        self.tabs.active = tab_id
        self.query_one("#customer-tab-panes", ContentSwitcher).current = f"{tab_id}-tab"
        self._ensure_loaded(tab_id)
        self.focus_tab()

    def focus_tab(self) -> None:
        """Put the cursor in the visible tab's first table, the tab scrolled to its top."""
        tab = self.active_tab
        table = tab.first_table()
        if table is not None:
            focus_now(table)  # (at once: the keys typed right after F5–F9 or Esc land here)
        tab.scroll_home(animate=False)

    def _ensure_loaded(self, tab_id: str) -> None:
        tab = self.tab(tab_id)
        if self.contact_id is not None and (tab.stale or tab.contact_id != self.contact_id):
            tab.load(self.contact_id)

    @on(TabStrip.Clicked, "#customer-tabs")
    def _tab_clicked(self, event: TabStrip.Clicked) -> None:
        event.stop()
        self.show_tab(event.tab_id)
