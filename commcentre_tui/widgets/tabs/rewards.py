"""Rewards: the customer's participants and their award and spend transactions."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Select, Static

from commcentre_tui.repo.customer_detail import RecordRef
from commcentre_tui.repo.customer_tabs import RewardsView
from commcentre_tui.support.format import day, number_cell, status
from commcentre_tui.support.loading import fetch
from commcentre_tui.widgets.record_table import RecordTable, Section
from commcentre_tui.widgets.tabs import CustomerTab

KINDS: list[tuple[str, str]] = [
    ("Awards and spends", "all"),
    ("Awards", "award"),
    ("Spends", "spend"),
]
STATES: list[tuple[str, str]] = [
    ("Any state", "all"),
    ("Posted", "posted"),
    ("Cancelled", "cancelled"),
]


class RewardsTab(CustomerTab):
    """Reward transactions, filterable by kind and state; Enter or ``v`` views one, ``c``
    cancels it (after a confirmation)."""

    BINDINGS = [
        Binding(
            "c",
            "cancel_reward",
            "Cancel",
            id="cancel_reward",
            tooltip="Cancel the highlighted award or spend: its points are reversed and it "
            "stays listed as cancelled.",
        ),
    ]

    DEFAULT_CSS = """
    RewardsTab #rewards-participants { height: auto; padding: 0 0 1 0; }
    RewardsTab #rewards-section { height: 1fr; }
    RewardsTab #rewards-table { height: 1fr; }
    RewardsTab #rewards-state { width: 16; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._view: RewardsView | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="rewards-participants")
        with Horizontal(classes="filters"):
            yield Select(KINDS, value="all", allow_blank=False, compact=True, id="rewards-kind")
            yield Select(STATES, value="all", allow_blank=False, compact=True, id="rewards-state")
        yield Section(
            "Reward transactions",
            RecordTable(
                [
                    ("Date", 10),
                    ("Kind", 6),
                    ("Participant", 11),
                    ("Points", 8),
                    ("Reason", None),
                    ("State", 10),
                ],
                empty="No reward transactions match.",
                id="rewards-table",
            ),
            id="rewards-section",
        )

    def reload(self, *, before: Any = None) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        kind = str(self.query_one("#rewards-kind", Select).value)
        state = str(self.query_one("#rewards-state", Select).value)
        fetch(
            self,
            lambda: self.gateway.rewards(contact_id, kind=kind, state=state, before=before),
            lambda view: self.show(view, append=before is not None),
            group="tab-rewards",
            what="loading the rewards",
            busy=self.query_one("#rewards-table"),
        )

    def show(self, view: RewardsView, *, append: bool = False) -> None:
        self._view = view
        self.refresh_bindings()  # "c Cancel" appears once there is a transaction
        if view.participants:
            lines = [
                f"Participant {p.number}"
                + (f" (account {p.account_number})" if p.account_number else "")
                + f": {p.points:,} points"
                for p in view.participants
            ]
            text = "\n".join(lines)
        else:
            text = "This customer does not take part in the rewards scheme."
        self.query_one("#rewards-participants", Static).update(Text(text))
        page = view.transactions
        self.query_one("#rewards-table", RecordTable).show(
            (
                (
                    RecordRef(r.entity, r.id),
                    (
                        day(r.created_at),
                        r.kind_label,
                        r.participant_number,
                        number_cell(f"{r.points:+,}"),
                        r.reason,
                        status(r.state),
                    ),
                )
                for r in page.rows
            ),
            has_more=page.has_more,
            append=append,
        )
        self.shown_for = self.contact_id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_reward":
            return self._view is not None and bool(self._view.transactions.rows)
        return True

    def action_cancel_reward(self) -> None:
        """Open Cancel Reward Transaction for the highlighted transaction."""
        from commcentre_tui.support.messages import RunAction

        ref = self.query_one("#rewards-table", RecordTable).current_ref
        if ref is not None:
            self.post_message(RunAction("Cancel Reward Transaction", {f"{ref.entity}_id": ref.id}))

    @on(Select.Changed, "#rewards-kind, #rewards-state")
    def _filter_changed(self, event: Select.Changed) -> None:
        self.reload()

    @on(RecordTable.MoreRequested, "#rewards-table")
    def _more(self, event: RecordTable.MoreRequested) -> None:
        event.stop()
        if self._view is not None and self._view.transactions.cursor:
            self.reload(before=self._view.transactions.cursor)
