"""The console's one door to the repository and services.

Every method blocks (it runs SQL), so screens call them only from thread workers (see
:func:`commcentre_tui.support.loading.fetch`). Tests replace a method on the instance
(``app.gateway.search = failing``) to simulate a slow or failing database. Heavy modules are
imported on first use, so the console's first frame does not wait for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.repo.permissions import Actor

if TYPE_CHECKING:
    from commcentre_tui.repo.customer_detail import RecordDetail, RecordRef
    from commcentre_tui.repo.customer_financials import FinancialRow
    from commcentre_tui.repo.customer_info import (
        AddressItem,
        ContactInfo,
        EmailItem,
        PhoneItem,
        Preferences,
    )
    from commcentre_tui.repo.customer_rows import (
        AccountRow,
        CareItemRow,
        CustomerSummary,
        Dashboard,
        SubscriptionRow,
    )
    from commcentre_tui.repo.customer_tabs import (
        CommunicationRow,
        Cursor,
        Page,
        RewardsView,
        ServiceRow,
    )
    from commcentre_tui.repo.search.api import Condition, LatestCommunication, SearchPage


class Gateway:
    """Blocking reads and writes for the console, bound to one engine, settings and agent."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        actor: Actor,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.actor = actor
        self.today = today or (lambda: datetime.now(UTC).date())
        self.shown_versions: dict[int, int] = {}
        """Customer → the change counter as it was when the view last read them (read before
        their data, so a change committed meanwhile is seen as newer: see ``ChangeWatcher``)."""

    # Search -------------------------------------------------------------------------------
    def search(
        self,
        conditions: Sequence[Condition],
        *,
        mode: str = "quick",
        after: tuple[str, int] | None = None,
        before: tuple[str, int] | None = None,
    ) -> SearchPage:
        """A page of contacts matching ``conditions`` (the search engine's ``SearchPage``)."""
        from commcentre_tui.repo.search.api import search_contacts

        return search_contacts(
            self.engine,
            self.settings,
            list(conditions),
            mode=mode,
            limit=self.settings.search.page_size,
            after=after,
            before=before,
        )

    def latest(self) -> list[LatestCommunication]:
        """The agent's own latest communications, newest first."""
        from commcentre_tui.repo.search.api import latest_communications

        return latest_communications(
            self.engine,
            self.settings,
            self.actor.agent_id,
            limit=self.settings.search.communications_limit,
        )

    # Customer view ------------------------------------------------------------------------
    def summary(self, contact_id: int) -> CustomerSummary:
        from commcentre_tui.repo.changes import version_of
        from commcentre_tui.repo.customer_view import customer_summary

        self.shown_versions[contact_id] = version_of(self.engine, contact_id)[0]
        return customer_summary(self.engine, contact_id, actor=self.actor)

    def dashboard(self, contact_id: int) -> Dashboard:
        from commcentre_tui.repo.customer_view import dashboard

        return dashboard(self.engine, contact_id, actor=self.actor, today=self.today())

    def subscriptions(self, contact_id: int) -> list[SubscriptionRow]:
        from commcentre_tui.repo.customer_tabs import subscriptions

        return subscriptions(self.engine, contact_id)

    def services(self, subscription_id: int) -> list[ServiceRow]:
        from commcentre_tui.repo.customer_tabs import subscription_services

        return subscription_services(self.engine, subscription_id)

    def accounts(self, contact_id: int) -> list[AccountRow]:
        from commcentre_tui.repo.customer_view import accounts

        return accounts(self.engine, contact_id)

    def transactions(
        self, account_id: int, *, kind: str | None = None, before: Cursor | None = None
    ) -> Page[FinancialRow]:
        from commcentre_tui.repo.customer_financials import account_transactions

        return account_transactions(self.engine, account_id, kind=kind, before=before)

    def care(
        self,
        contact_id: int,
        *,
        entity: str | None = None,
        status: str = "all",
        since: date | None = None,
        before: Cursor | None = None,
    ) -> Page[CareItemRow]:
        from commcentre_tui.repo.customer_tabs import care_items

        return care_items(
            self.engine,
            contact_id,
            actor=self.actor,
            entity=entity,
            status=status,
            since=since,
            before=before,
        )

    def communications(
        self, contact_id: int, *, since: date | None = None, before: Cursor | None = None
    ) -> Page[CommunicationRow]:
        from commcentre_tui.repo.customer_tabs import communications

        return communications(self.engine, contact_id, actor=self.actor, since=since, before=before)

    def rewards(
        self,
        contact_id: int,
        *,
        kind: str | None = None,
        state: str | None = None,
        before: Cursor | None = None,
    ) -> RewardsView:
        from commcentre_tui.repo.customer_tabs import rewards

        return rewards(self.engine, contact_id, kind=kind, state=state, before=before)

    def detail(self, ref: RecordRef) -> RecordDetail:
        from commcentre_tui.repo.customer_detail import record_detail

        return record_detail(self.engine, ref, actor=self.actor)

    # Add More Information -----------------------------------------------------------------
    def contact_info(self, contact_id: int) -> ContactInfo:
        from commcentre_tui.repo.customer_info import contact_info

        return contact_info(self.engine, contact_id)

    def save_contact_info(
        self,
        contact_id: int,
        version: int,
        *,
        phones: Sequence[PhoneItem],
        emails: Sequence[EmailItem],
        addresses: Sequence[AddressItem],
        preferences: Preferences | None = None,
    ) -> ContactInfo:
        from commcentre_tui.services.contact_info import save_contact_info
        from commcentre_tui.services.context import ServiceContext

        ctx = ServiceContext(self.engine, self.settings, self.actor)
        return save_contact_info(
            ctx,
            contact_id,
            version,
            phones=phones,
            emails=emails,
            addresses=addresses,
            preferences=preferences,
        )
