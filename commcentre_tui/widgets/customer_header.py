"""The customer header: who is loaded, always visible above the five tabs.

When other agents have the same customer open, the third line starts with "also open: Maria
(since 10:42)" (kept up to date by :class:`~commcentre_tui.widgets.presence.PresenceKeeper`).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from commcentre_tui.repo.customer_rows import CustomerSummary
from commcentre_tui.support.format import balance_words
from commcentre_tui.text import inert

#: Account numbers shown before "+N more".
SHOWN_ACCOUNTS = 3


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def header_text(s: CustomerSummary, presence_note: str = "") -> Text:
    """Three lines: who (name, customer number, main phone, email, national ID); money (balance, unpaid
    bills); who else has the customer open (``presence_note``) and the accounts. Nothing is said
    by colour alone."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(inert(s.display_name), style="bold")
    text.append(f" · {s.customer_number}" + (" (company)" if s.kind == "company" else ""))
    text.append(f" · Tel {inert(s.main_phone)}" if s.main_phone else " · no phone")
    if s.main_email:
        text.append(f" · {inert(s.main_email)}")
    if s.national_id:
        text.append(f" · National ID {inert(s.national_id)}")
    text.append("\n")
    if s.balances:
        for i, (currency, amount) in enumerate(s.balances):
            text.append("Balance " if i == 0 else " · ")
            text.append(balance_words(amount, currency), style="bold" if amount > 0 else "")
    else:
        text.append("No balance")
    text.append(" · ")
    text.append(
        _plural(s.unpaid_bills, "unpaid bill", "unpaid bills"),
        style="bold" if s.unpaid_bills else "",
    )
    text.append(" · ")
    text.append(
        _plural(s.open_items, "open care item", "open care items"),
        style="bold" if s.open_items else "",
    )
    text.append("\n")
    if presence_note:
        text.append(inert(presence_note), style="bold reverse")
        text.append(" · ")
    if s.account_numbers:
        shown = ", ".join(s.account_numbers[:SHOWN_ACCOUNTS])
        more = len(s.account_numbers) - SHOWN_ACCOUNTS
        label = "Account" if len(s.account_numbers) == 1 else "Accounts"
        text.append(f"{label} {shown}" + (f" +{more} more" if more > 0 else ""))
    else:
        text.append("No account")
    return text


class CustomerHeader(Static):
    """Shows a :class:`CustomerSummary` (or what is being loaded)."""

    DEFAULT_CSS = """
    CustomerHeader {
        height: 3;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]  # forwards Textual's own widget keywords unchanged
        self.summary: CustomerSummary | None = None
        self.presence_note = ""
        """"also open: …" for the shown customer, or ``""``."""

    def show_summary(self, summary: CustomerSummary) -> None:
        """Show who is loaded (another customer: presence is asked again at once)."""
        changed = self.summary is None or self.summary.contact_id != summary.contact_id
        self.summary = summary
        if changed:
            self.presence_note = ""
        self.update(header_text(summary, self.presence_note), layout=False)  # height: 3
        if changed:
            from commcentre_tui.widgets.presence import PresenceKeeper

            for keeper in self.screen.query(PresenceKeeper):
                keeper.beat()

    def show_presence(self, contact_id: int | None, note: str) -> None:
        """Show ``note`` ("also open: …", or ``""``) if ``contact_id`` is still the one shown."""
        if (
            self.summary is None
            or self.summary.contact_id != contact_id
            or note == self.presence_note
        ):
            return
        self.presence_note = note
        self.update(header_text(self.summary, note), layout=False)

    def show_loading(self, contact_id: int) -> None:
        """Say a customer is being loaded (the previous one stays until the new one arrives)."""
        if self.summary is None or self.summary.contact_id != contact_id:
            self.update(Text(f"Loading customer {contact_id} …"), layout=False)
