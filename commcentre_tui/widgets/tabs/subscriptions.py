"""Subscriptions: the customer's subscriptions; the highlighted one's services below."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable

from commcentre_tui.repo.customer_detail import RecordRef
from commcentre_tui.repo.customer_rows import SubscriptionRow
from commcentre_tui.repo.customer_tabs import ServiceRow
from commcentre_tui.support.format import day, money, number_cell, status
from commcentre_tui.support.loading import fetch
from commcentre_tui.widgets.record_table import RecordTable, Section
from commcentre_tui.widgets.tabs import CustomerTab


class SubscriptionsTab(CustomerTab):
    """Select a subscription (arrows) to see its services; Enter or ``v`` views it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._subs: dict[int, SubscriptionRow] = {}

    DEFAULT_CSS = """
    SubscriptionsTab #subs-section { height: auto; max-height: 50%; }
    SubscriptionsTab #subs-section > RecordTable { max-height: 10; }
    SubscriptionsTab #services-section { height: 1fr; }
    SubscriptionsTab #services-section > RecordTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Section(
            "Subscriptions",
            RecordTable(
                [
                    ("Number", 9),
                    ("Account", 9),
                    ("Status", 10),
                    ("Start", 10),
                    ("Billed to", 10),
                    ("Svcs", 4),
                    ("Recurring", 9),
                ],
                empty="This customer has no subscription.",
                id="subs-table",
            ),
            id="subs-section",
        )
        yield Section(
            "Services",
            RecordTable(
                [("Service", None), ("Price", 9), ("Status", 8), ("Start", 10), ("End", 10)],
                empty="No services.",
                id="services-table",
            ),
            id="services-section",
        )

    def reload(self) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        fetch(
            self,
            lambda: self.gateway.subscriptions(contact_id),
            self.show,
            group="tab-subscriptions",
            what="loading the subscriptions",
            busy=self,
        )

    def show(self, rows: Sequence[SubscriptionRow]) -> None:
        self._subs = {s.id: s for s in rows}
        self.query_one("#subs-section", Section).set_title(f"Subscriptions ({len(rows)})")
        self.query_one("#subs-table", RecordTable).show(
            (
                RecordRef("subscription", s.id),
                (
                    s.number,
                    s.account_number,
                    status(s.status),
                    day(s.start_date),
                    day(s.billed_until),
                    number_cell(s.active_services),
                    number_cell(money(s.recurring_total)),
                ),
            )
            for s in rows
        )
        if rows:
            self._load_services(rows[0].id)
        else:
            self.query_one("#services-table", RecordTable).show([])
            self.shown_for = self.contact_id

    @on(DataTable.RowHighlighted, "#subs-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        ref = self.query_one("#subs-table", RecordTable).current_ref
        if ref is not None:
            self._load_services(ref.id)

    def _load_services(self, subscription_id: int) -> None:
        sub = self._subs.get(subscription_id)
        title = f"Services of {sub.number}" if sub else "Services"
        self.query_one("#services-section", Section).set_title(title)
        fetch(
            self,
            lambda: self.gateway.services(subscription_id),
            self._show_services,
            group="tab-subscription-services",
            what="loading the services",
            busy=self.query_one("#services-table"),
        )

    def _show_services(self, rows: Sequence[ServiceRow]) -> None:
        self.query_one("#services-table", RecordTable).show(
            (
                RecordRef("subscription_service", s.id),
                (
                    f"{s.product_name} ({s.product_code})",
                    number_cell(money(s.price)),
                    status(s.status),
                    day(s.start_date),
                    day(s.end_date),
                ),
            )
            for s in rows
        )
        self.shown_for = self.contact_id
