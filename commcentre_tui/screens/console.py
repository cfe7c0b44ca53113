"""The console: the search bar always on top; below it the welcome text, results, Latest
Communications or the customer view; Escape goes back one step."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Header, Static

from commcentre_tui.keys import TAB_IDS, bind
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import focus_now, once
from commcentre_tui.support.messages import CustomerChosen
from commcentre_tui.support.welcome import welcome_text
from commcentre_tui.widgets.footer import ConsoleFooter
from commcentre_tui.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from commcentre_tui.widgets.customer_view import CustomerView
    from commcentre_tui.widgets.latest import LatestPanel
    from commcentre_tui.widgets.results import ResultsPanel

#: Views of the body, by id.
WELCOME, RESULTS, LATEST, CUSTOMER = "welcome", "results", "latest", "customer"

#: Actions that need a loaded customer.
CUSTOMER_ACTIONS = {
    "show_tab",
    "add_more_information",
    "reload_customer",
    "dial_off",
    "close_customer",
}


def _import_panels() -> None:
    """Load the modules of the panels mounted after the first frame."""
    import commcentre_tui.widgets.customer_view  # noqa: F401
    import commcentre_tui.widgets.latest  # noqa: F401
    import commcentre_tui.widgets.results  # noqa: F401


class ConsoleScreen(ConsoleAppMixin, Screen[None]):
    """The agent's one screen; modal screens (Advanced Search, View, forms) open over it."""

    # Keys that switch views act on arrival (priority), before the keys typed after them are
    # routed: in a burst such as Esc F2 "mar", "mar" reaches the search bar, not the view left.
    BINDINGS = [
        bind("quick_search", "quick_search", priority=True),
        bind("advanced_search", "advanced_search", priority=True),
        bind("latest_communications", "latest_communications", priority=True),
        *(bind(f"tab_{t}", f"show_tab('{t}')", show=False, priority=True) for t in TAB_IDS),
        # Dial: in the footer while CTI is on (early, so 80 columns still show it); otherwise
        # the key says why not. Priority: it works in the search bar too (where the cursor
        # sits after a screen pop), over the field's own Ctrl+D.
        bind("dial", "dial", priority=True),
        bind("dial", "dial_off", show=False, priority=True),
        bind("add_more_information", "add_more_information"),
        bind("reload_customer", "reload_customer", show=False),
        bind("back", "back", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__(id="console")
        self.history: list[str] = []
        """Views to go back to (Escape), oldest first."""
        self.last_advanced: tuple[Any, ...] = ()
        self.panels_ready = asyncio.Event()
        """Set once the results, Latest Communications and customer panels are mounted."""

    def compose(self) -> ComposeResult:
        settings = self.console_app.settings.search
        yield Header(show_clock=False, icon="☰")
        yield SearchBar(
            settings.enabled("quick"),
            default_field=settings.default_field,
            default_op=settings.default_operator,
            id="search-bar",
        )
        with ContentSwitcher(initial=WELCOME, id="body"):
            yield Static(welcome_text(self.console_app.settings.ui.keymap), id=WELCOME)
        if self.console_app.settings.cti.enabled:
            from commcentre_tui.widgets.cti_status import CtiStatus

            yield CtiStatus()
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.search_bar.focus_value(at_once=False)
        # The first frame needs only the search bar: the other panels (and their imports)
        # follow right after it, while the agent starts typing.
        self.call_after_refresh(
            self.run_worker, self._mount_panels(), name="panels", group="console-panels"
        )

    async def _mount_panels(self) -> None:
        # Their modules (the customer view's bring the ORM models, ~0.3 s) load in a thread,
        # so the search bar keeps taking keys meanwhile; a search waits for the panels.
        await asyncio.to_thread(_import_panels)
        from commcentre_tui.widgets.latest import LatestPanel
        from commcentre_tui.widgets.results import ResultsPanel

        await self._mount_hidden(ResultsPanel(id=RESULTS))
        await self._mount_hidden(LatestPanel(id=LATEST))
        from commcentre_tui.widgets.customer_view import CustomerView

        await self._mount_hidden(CustomerView(id=CUSTOMER))
        self.panels_ready.set()
        from commcentre_tui.support.idle_gc import tune_gc

        tune_gc(self.console_app)

    def on_unmount(self) -> None:
        from commcentre_tui.support.idle_gc import restore_gc

        restore_gc()

    async def _mount_hidden(self, panel: Any) -> None:
        """Add a panel to the body, hidden until the switcher shows it."""
        panel.display = False
        await self.body.mount(panel)

    def when_ready(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` now if the panels are mounted, else as soon as they are."""
        if self.panels_ready.is_set():
            callback()
            return

        async def later() -> None:
            await self.panels_ready.wait()
            if self.is_attached:  # (not when the console is closing meanwhile)
                callback()

        self.run_worker(later(), group="console-ready")

    @property
    def loaded_customer(self) -> int | None:
        """The contact id in the customer view, or ``None``."""
        if not self.panels_ready.is_set():
            return None
        return self.customer_view.contact_id

    # Parts --------------------------------------------------------------------------------
    @property
    def search_bar(self) -> SearchBar:
        return self.query_one(SearchBar)

    @property
    def body(self) -> ContentSwitcher:
        return self.query_one("#body", ContentSwitcher)

    @property
    def results(self) -> ResultsPanel:
        return self.body.get_child_by_id(RESULTS)  # type: ignore[return-value]  # composed in compose() as exactly that widget class

    @property
    def latest(self) -> LatestPanel:
        return self.body.get_child_by_id(LATEST)  # type: ignore[return-value]  # composed in compose() as exactly that widget class

    @property
    def customer_view(self) -> CustomerView:
        return self.body.get_child_by_id(CUSTOMER)  # type: ignore[return-value]  # composed in compose() as exactly that widget class

    @property
    def view(self) -> str:
        return self.body.current or WELCOME

    def show_view(self, view: str, *, remember: bool = True) -> None:
        """Switch the body to ``view``; with ``remember`` Escape comes back to the current one."""
        if view != self.view:
            if remember:
                self.history = [v for v in self.history if v != view] + [self.view]
            self.body.current = view
            self.refresh_bindings()

    # Actions ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CUSTOMER_ACTIONS:
            return self.loaded_customer is not None
        if action == "dial":
            if self.loaded_customer is None:  # (no CTI import before the first frame)
                return False
            from commcentre_tui.controllers.cti.commands import dial_available

            return dial_available(self.console_app)
        if action == "back":  # (Esc in an open dropdown of the search bar closes it)
            return bool(self.history) and not self.search_bar.dropdown_open
        return True

    # Tab stays in the part the cursor is in: from the search bar it goes down into the body
    # (results, the customer's tab), but from the body it cycles through the body's lists and
    # never lands in the search bar, where a stray key would replace the typed search and Enter
    # would swap the customer on the line for a results list. F2 goes to the search bar.
    def focus_next(self, selector: Any = "*") -> Any:
        return self._cycle_in_body(1) or super().focus_next(selector)

    def focus_previous(self, selector: Any = "*") -> Any:
        return self._cycle_in_body(-1) or super().focus_previous(selector)

    def _cycle_in_body(self, step: int) -> Any:
        focused = self.focused
        if focused is None or self.body not in focused.ancestors:
            return None
        chain = [w for w in self.focus_chain if self.body in w.ancestors]
        if focused not in chain:
            return None
        target = chain[(chain.index(focused) + step) % len(chain)]
        target.focus()
        return target

    def action_quick_search(self) -> None:
        """Put the cursor in the search bar."""
        self.search_bar.focus_value()

    def action_advanced_search(self) -> None:
        """Open the Advanced Search condition builder."""
        from commcentre_tui.screens.advanced_search import AdvancedSearchScreen

        fields = self.console_app.settings.search.enabled("advanced")

        def done(conditions: tuple[Any, ...] | None) -> None:
            if conditions:
                self.last_advanced = conditions
                self.run_search(conditions, "advanced")

        self.app.push_screen(
            AdvancedSearchScreen(
                fields,
                self.last_advanced,
                self.console_app.settings.search.default_operator,
                self.console_app.settings.search.default_region,
            ),
            done,
        )

    def action_latest_communications(self) -> None:
        """Show the agent's Latest Communications."""
        self.when_ready(self._show_latest)

    def _show_latest(self) -> None:
        self.show_view(LATEST)
        focus_now(self.latest.table)  # (before the list is read: it holds what is typed)
        self.latest.refresh_list()

    def action_show_tab(self, tab_id: str) -> None:
        """Show the customer view on ``tab_id``."""
        if self.loaded_customer is None:
            self.notify("Load a customer first (search, then Enter).", severity="warning")
            return
        self.show_view(CUSTOMER)
        self.customer_view.show_tab(tab_id)

    def action_add_more_information(self) -> None:
        """Open the contact information of the loaded customer in edit mode."""
        contact_id = self.loaded_customer
        if contact_id is None:
            self.notify("Load a customer first (search, then Enter).", severity="warning")
            return
        from commcentre_tui.screens.contact_info import ContactInfoScreen

        self.console_app.push_for_customer(ContactInfoScreen(contact_id))

    def action_reload_customer(self) -> None:
        """Read the loaded customer again."""
        if self.loaded_customer is not None:
            self.customer_view.reload()

    def action_dial(self) -> None:
        """Click-to-dial the phone shown in the customer header."""
        from commcentre_tui.controllers.cti.commands import dial_shown_phone

        dial_shown_phone(self.console_app)

    action_dial_off = action_dial

    def action_back(self) -> None:
        """Go back one step; the customer on the line is never dropped by Escape."""
        if not self.history:
            return
        view = self.history.pop()
        if view == WELCOME and self.loaded_customer is not None:
            if self.view == CUSTOMER:  # only the empty welcome is further back: stay
                self.history.append(WELCOME)
                self.notify(
                    f"{self.console_app.customer_label or 'The customer'} stays loaded. "
                    "To close the customer, use Close Customer (Ctrl+P).",
                    title="Esc",
                    timeout=6,
                )
                return
            view = CUSTOMER  # back from a list opened over the customer: to the customer
            self.history = [v for v in self.history if v != CUSTOMER] + [WELCOME]
        self.body.current = view
        self.refresh_bindings()
        self._focus_view(view)

    def action_close_customer(self) -> None:
        """Close the loaded customer: the welcome text and the search bar, ready for the next."""
        if self.loaded_customer is None:
            return
        label = self.console_app.customer_label or "The customer"
        self.customer_view.close()
        self.history = []
        self.body.current = WELCOME
        self.refresh_bindings()
        self.search_bar.focus_value()
        self.notify(f"{label} closed.", timeout=4)

    def _focus_view(self, view: str) -> None:
        if view == RESULTS:
            self.results.focus_table()
        elif view == LATEST:
            focus_now(self.latest.table)
        elif view == CUSTOMER:
            self.customer_view.focus_tab()
        else:
            self.search_bar.focus_value()

    # Searching and loading ----------------------------------------------------------------
    @on(SearchBar.Submitted)
    def _quick_search(self, event: SearchBar.Submitted) -> None:
        if not event.value:
            self.notify("Type what to search for, then press Enter.", severity="warning")
            return
        from commcentre_tui.repo.search.api import Condition

        self.run_search((Condition(event.field, event.op, event.value),), "quick")

    def run_search(self, conditions: tuple[Any, ...], mode: str) -> None:
        """Search and show the results (one result loads the customer directly)."""
        self.when_ready(lambda: self._run_search(conditions, mode))

    def _run_search(self, conditions: tuple[Any, ...], mode: str) -> None:
        # The results come into view with the first page (one layout for a fast search), or
        # with "Searching …" and the loading indicator once the search is slow. A search that
        # could not run (a value it cannot use, the database away) gives the cursor back to
        # the search bar, the typed value selected: typing corrects it, Enter tries again.
        # The results table takes the cursor now, hidden or loading: it holds the keys typed
        # until the results are shown, then applies them.
        self.results.focus_table()
        self.results.search(
            conditions,
            mode,
            once(lambda: self.show_view(RESULTS)),
            failed=self.search_bar.focus_value,
        )

    @on(CustomerChosen)
    def _chosen(self, event: CustomerChosen) -> None:
        event.stop()
        if event.direct and self.view == RESULTS:
            # A single hit: go straight to the customer; Escape returns to where we were.
            self.body.current = CUSTOMER
            while self.history and self.history[-1] == CUSTOMER:
                self.history.pop()
        self.load_customer(event.contact_id, focus=True)

    def load_customer(self, contact_id: int, *, focus: bool = False) -> None:
        """Show ``contact_id`` in the customer view."""
        self.when_ready(lambda: self._load_customer(contact_id, focus))

    def _load_customer(self, contact_id: int, focus: bool) -> None:
        first = self.customer_view.contact_id is None
        bar = self.search_bar.value_input
        from_bar = self.focused is bar

        def reveal() -> None:
            self.show_view(CUSTOMER)
            if first:
                self.refresh_bindings()
            # (not when the agent went to the search bar meanwhile: they are typing there)
            if focus and (from_bar or self.focused is not bar):
                self.customer_view.focus_when_shown()

        # The view comes in with the header and the visible tab filled (one layout), or
        # still loading once that is slow.
        self.customer_view.load(contact_id, reveal=once(reveal))

    def on_customer_view_load_failed(self, event: CustomerView.LoadFailed) -> None:
        if self.customer_view.header.summary is None:
            self.customer_view.header.update(
                Text(f"Customer {event.contact_id} could not be loaded. Esc goes back.")
            )
