"""Financials: accounts; the highlighted account's invoices, bills, payments, credits and wallet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Label, Select

from commcentre_tui.repo.customer_detail import RecordRef
from commcentre_tui.repo.customer_financials import FinancialRow
from commcentre_tui.repo.customer_rows import AccountRow
from commcentre_tui.repo.customer_tabs import Page
from commcentre_tui.support.format import balance_words, day, money, number_cell, status
from commcentre_tui.support.loading import fetch
from commcentre_tui.widgets.record_table import RecordTable, Section
from commcentre_tui.widgets.tabs import CustomerTab

KINDS: list[tuple[str, str]] = [
    ("All transactions", "all"),
    ("Invoices", "invoice"),
    ("Bills", "bill"),
    ("Payments", "payment"),
    ("Credits", "credit"),
    ("Wallet transactions", "wallet"),
]


class FinancialsTab(CustomerTab):
    """Accounts above; the highlighted account's transactions below, filterable by kind."""

    DEFAULT_CSS = """
    FinancialsTab #fin-accounts-section { height: auto; }
    FinancialsTab #fin-accounts { max-height: 6; }
    FinancialsTab #fin-tx-section { height: 1fr; margin-bottom: 0; }
    FinancialsTab #fin-tx { height: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._accounts: dict[int, AccountRow] = {}
        self.account_id: int | None = None
        self._page: Page[FinancialRow] | None = None

    def compose(self) -> ComposeResult:
        yield Section(
            "Accounts",
            RecordTable(
                [
                    ("Account", 9),
                    ("Name", None),
                    ("Balance", 20),
                    ("Credit limit", 12),
                    ("Status", 9),
                ],
                empty="This customer has no account.",
                id="fin-accounts",
            ),
            id="fin-accounts-section",
        )
        with Horizontal(classes="filters"):
            yield Label("Show")
            yield Select(KINDS, value="all", allow_blank=False, compact=True, id="fin-kind")
        yield Section(
            "Transactions",
            RecordTable(
                [
                    ("Date", 10),
                    ("Kind", 7),
                    ("Number", 10),
                    ("Description", None),
                    ("Amount", 10),
                    ("Status", 11),
                ],
                empty="No transactions.",
                id="fin-tx",
            ),
            id="fin-tx-section",
        )

    def reload(self) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        fetch(
            self,
            lambda: self.gateway.accounts(contact_id),
            self.show,
            group="tab-financials",
            what="loading the accounts",
            busy=self,
        )

    def show(self, rows: Sequence[AccountRow]) -> None:
        self._accounts = {a.id: a for a in rows}
        self.query_one("#fin-accounts-section", Section).set_title(f"Accounts ({len(rows)})")
        self.query_one("#fin-accounts", RecordTable).show(
            (
                RecordRef("account", a.id),
                (
                    a.number,
                    a.name,
                    balance_words(a.balance, a.currency),
                    number_cell(money(a.credit_limit)),
                    status(a.status),
                ),
            )
            for a in rows
        )
        keep = self.account_id if self.account_id in self._accounts else None
        self.account_id = None
        if rows:
            self._load_transactions(keep or rows[0].id)
        else:
            self.query_one("#fin-tx", RecordTable).show([])
            self.shown_for = self.contact_id

    @on(DataTable.RowHighlighted, "#fin-accounts")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        ref = self.query_one("#fin-accounts", RecordTable).current_ref
        if ref is not None and ref.id != self.account_id:
            self._load_transactions(ref.id)

    @on(Select.Changed, "#fin-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if self.account_id is not None:
            self._load_transactions(self.account_id)

    @property
    def kind(self) -> str:
        return str(self.query_one("#fin-kind", Select).value)

    def _load_transactions(self, account_id: int, *, before: Any = None) -> None:
        self.account_id = account_id
        account = self._accounts.get(account_id)
        kind = self.kind
        label = dict((v, k) for k, v in KINDS)[kind]
        title = f"{label} of {account.number}" if account else label
        self.query_one("#fin-tx-section", Section).set_title(title)
        fetch(
            self,
            lambda: self.gateway.transactions(account_id, kind=kind, before=before),
            lambda page: self._show_transactions(page, append=before is not None),
            group="tab-financials-tx",
            what="loading the transactions",
            busy=self.query_one("#fin-tx"),
        )

    def _show_transactions(self, page: Page[FinancialRow], *, append: bool) -> None:
        self._page = page
        self.query_one("#fin-tx", RecordTable).show(
            (
                (
                    RecordRef(r.entity, r.id),
                    (
                        day(r.when),
                        r.kind_label,
                        r.number,
                        r.description,
                        number_cell(money(r.amount)),
                        status(r.status),
                    ),
                )
                for r in page.rows
            ),
            has_more=page.has_more,
            append=append,
        )
        self.shown_for = self.contact_id

    @on(RecordTable.MoreRequested, "#fin-tx")
    def _more(self, event: RecordTable.MoreRequested) -> None:
        event.stop()
        if self._page is not None and self._page.cursor and self.account_id is not None:
            self._load_transactions(self.account_id, before=self._page.cursor)
