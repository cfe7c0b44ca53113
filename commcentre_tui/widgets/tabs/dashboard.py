"""Dashboard: the customer's preferences (language, opt-ins, custom fields), accounts, wallets,
subscriptions, open care items, recent payments and a trend."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from commcentre_tui.repo.customer_detail import RecordRef
from commcentre_tui.repo.customer_info import Preferences, custom_field_lines
from commcentre_tui.repo.customer_rows import Dashboard
from commcentre_tui.support.format import (
    balance_words,
    day,
    money,
    number_cell,
    short_kind,
    status,
)
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert
from commcentre_tui.widgets.record_table import RecordTable, Section
from commcentre_tui.widgets.tabs import CustomerTab

MONTHS = "JFMAMJJASOND"


class DashboardTab(CustomerTab):
    """The customer at a glance; every listed record can be viewed."""

    DEFAULT_CSS = """
    DashboardTab { overflow-y: auto; height: 1fr; }
    DashboardTab #dash-columns { layout: vertical; height: auto; }
    DashboardTab .dash-column { height: auto; width: 1fr; }
    DashboardTab RecordTable { max-height: 8; }
    DashboardTab #dash-trend Sparkline { height: 2; width: 12; margin: 0 1; }
    DashboardTab #dash-trend Static { height: auto; padding: 0 1; }
    DashboardTab #dash-profile { height: auto; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        # Two columns on wide terminals, one after the other on narrow ones (console.tcss).
        with Horizontal(id="dash-columns"):
            with Vertical(classes="dash-column"):
                yield Section(
                    "Customer (Ctrl+O to change)",
                    Static("", id="dash-profile"),
                    id="dash-profile-section",
                )
                yield Section(
                    "Accounts",
                    RecordTable(
                        [("Account", 9), ("Name", None), ("Balance", 18), ("Status", 9)],
                        empty="No account.",
                        id="dash-accounts",
                    ),
                    id="dash-accounts-section",
                )
                yield Section(
                    "Open customer care",
                    RecordTable(
                        [
                            ("Kind", 12),
                            ("Number", 9),
                            ("Status", 11),
                            ("Summary", None),
                            ("Created", 10),
                        ],
                        empty="Nothing open.",
                        id="dash-care",
                    ),
                    id="dash-care-section",
                )
                yield Section(
                    "Wallets",
                    RecordTable(
                        [("Account", 9), ("Balance", None)], empty="No wallet.", id="dash-wallets"
                    ),
                )
            with Vertical(classes="dash-column"):
                yield Section(
                    "Subscriptions",
                    RecordTable(
                        [
                            ("Number", 9),
                            ("Account", 9),
                            ("Status", 10),
                            ("Svcs", 4),
                            ("Recurring", 10),
                        ],
                        empty="No subscription.",
                        id="dash-subs",
                    ),
                )
                yield Section(
                    "Recent payments",
                    RecordTable(
                        [
                            ("Number", 10),
                            ("Account", 9),
                            ("Received", 10),
                            ("Amount", 10),
                            ("Method", None),
                        ],
                        empty="No payment yet.",
                        id="dash-payments",
                    ),
                )
                yield Section(
                    "Payments per month",
                    Sparkline([], summary_function=max),
                    Static("", id="dash-trend-text"),
                    id="dash-trend",
                )

    def reload(self) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        fetch(
            self,
            lambda: self.gateway.dashboard(contact_id),
            self.show,
            group="tab-dashboard",
            what="loading the dashboard",
            busy=self,
        )

    def show(self, d: Dashboard) -> None:
        """Fill every section from ``d``."""
        q = self.query_one
        q("#dash-profile", Static).update(self.profile_text(d.preferences))
        q("#dash-accounts", RecordTable).show(
            (
                RecordRef("account", a.id),
                (a.number, a.name, balance_words(a.balance, a.currency), status(a.status)),
            )
            for a in d.accounts
        )
        q("#dash-wallets", RecordTable).show(
            (RecordRef("wallet", w.id), (w.account_number, money(w.balance, w.currency)))
            for w in d.wallets
        )
        q("#dash-subs", RecordTable).show(
            (
                RecordRef("subscription", s.id),
                (
                    s.number,
                    s.account_number,
                    status(s.status),
                    number_cell(s.active_services),
                    number_cell(money(s.recurring_total)),
                ),
            )
            for s in d.subscriptions
        )
        q("#dash-care", RecordTable).show(
            (
                RecordRef(c.entity, c.id),
                (short_kind(c.entity), c.number, status(c.status), c.summary, day(c.created_at)),
            )
            for c in d.open_care
        )
        more = d.open_care_total - len(d.open_care)
        q("#dash-care-section", Section).set_title(
            f"Open customer care ({d.open_care_total})"
            + (f" — {more} more under Customer Care (F8)" if more > 0 else "")
        )
        q("#dash-payments", RecordTable).show(
            (
                RecordRef("payment", p.id),
                (
                    p.number,
                    p.account_number,
                    day(p.received_at),
                    number_cell(money(p.amount)),
                    status(p.method),
                ),
            )
            for p in d.recent_payments
        )
        self._trend(d.payments_by_month)
        self.shown_for = self.contact_id

    def profile_text(self, prefs: Preferences) -> Text:
        """Language and opt-ins on one line, the custom fields on the next (words, not colour)."""
        text = Text(f"Language {inert(prefs.language)} · {prefs.words()}")
        settings = getattr(self.app, "settings", None)
        names = [f.name for f in settings.contacts.custom_fields] if settings is not None else []
        fields = custom_field_lines(prefs, names)
        if fields:
            text.append("\n" + " · ".join(f"{inert(n)}: {inert(v)}" for n, v in fields))
        return text

    def _trend(self, series: tuple[tuple[str, Decimal], ...]) -> None:
        values = [float(v) for _, v in series]
        self.query_one(Sparkline).data = values
        if not series:
            return
        total = sum((v for _, v in series), Decimal("0"))
        first, last = series[0][0], series[-1][0]
        best = max(series, key=lambda item: item[1])
        months = "".join(MONTHS[int(k[5:7]) - 1] for k, _ in series)
        text = (
            f"{months}\n{first} to {last}: total {money(total)}, this month "
            f"{money(series[-1][1])}, highest {money(best[1])} ({best[0]})"
        )
        if total == 0:
            text = f"{months}\nNo payments from {first} to {last}."
        self.query_one("#dash-trend-text", Static).update(Text(text))
