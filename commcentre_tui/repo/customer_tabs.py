"""Read queries for the Subscriptions, Customer Care and Rewards tabs (Financials: customer_financials).

Lists that can grow (transactions, care items, communications, reward transactions) are paged
newest first with a keyset cursor: pass the last row's ``cursor`` as ``before`` to get the next
page. Several record kinds shown in one list are fetched per kind (each an indexed query limited
to one page) and merged, so a page never reads more than ``limit + 1`` rows of each kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, select
from sqlmodel import col

from commcentre_tui.models import (
    Account,
    Communication,
    Product,
    RewardAwardTransaction,
    RewardParticipant,
    RewardSpendTransaction,
    SubscriptionService,
)
from commcentre_tui.repo.customer_rows import CareItemRow, SubscriptionRow
from commcentre_tui.repo.customer_view import (
    CARE_MODELS,
    CLOSED_STATUSES,
    _accounts,
    care_filter,
    care_row,
    subscriptions_of,
)
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor

T = TypeVar("T")

#: A keyset position in a merged list: (when, kind rank, id), newest first.
Cursor = tuple[datetime, int, int]

DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, newest first; ``cursor`` continues after the last row."""

    rows: tuple[T, ...]
    has_more: bool
    cursor: Cursor | None


@dataclass(frozen=True)
class ServiceRow:
    """A service on a subscription."""

    id: int
    product_code: str
    product_name: str
    price: Decimal
    status: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class CommunicationRow:
    """A communication with the customer."""

    id: int
    created_at: datetime
    direction: str
    media: str
    category: str
    subject: str
    state: str
    delivery: str | None


@dataclass(frozen=True)
class ParticipantRow:
    """A rewards participant of the customer, with their points balance."""

    id: int
    number: str
    account_number: str | None
    points: int


@dataclass(frozen=True)
class RewardRow:
    """An award (points > 0) or spend (points < 0) reward transaction."""

    entity: str
    id: int
    created_at: datetime
    kind_label: str
    participant_number: str
    points: int
    reason: str
    state: str


@dataclass(frozen=True)
class RewardsView:
    """The Rewards tab: participants and one page of their transactions."""

    participants: tuple[ParticipantRow, ...]
    transactions: Page[RewardRow]


def aware(value: datetime | date) -> datetime:
    """``value`` as an aware UTC datetime (a date is its midnight)."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min, UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def period_text(start: date, end: date) -> str:
    """A billing period, short: ``"Oct 2026"`` for a calendar month, else ``"03 Oct–02 Nov 2026"``."""
    if (
        start.day == 1
        and (end + timedelta(days=1)).day == 1
        and (start.year, start.month) == (end.year, end.month)
    ):
        return f"{start:%b %Y}"
    first = f"{start:%d %b}" if start.year == end.year else f"{start:%d %b %Y}"
    return f"{first}–{end:%d %b %Y}"


def _merge(
    parts: Iterable[tuple[int, Iterable[tuple[datetime, int, T]]]],
    limit: int,
    before: Cursor | None,
) -> Page[T]:
    """Merge per-kind rows ``(when, id, row)`` tagged with a kind rank into one page."""
    keyed: list[tuple[Cursor, T]] = []
    for rank, rows in parts:
        for when, row_id, row in rows:
            key = (aware(when), rank, row_id)
            if before is None or key < before:
                keyed.append((key, row))
    keyed.sort(key=lambda item: item[0], reverse=True)
    page = keyed[:limit]
    return Page(tuple(r for _, r in page), len(keyed) > limit, page[-1][0] if page else None)


def _upto(column: Any, before: Cursor | None, *, is_date: bool = False) -> list[Any]:
    """A coarse ``column <= cursor`` filter; :func:`_merge` drops the exact ties."""
    if before is None:
        return []
    return [column <= (before[0].date() if is_date else before[0])]


def subscriptions(engine: Engine, contact_id: int) -> list[SubscriptionRow]:
    """The customer's subscriptions, newest first."""
    with reading(engine) as session:
        return subscriptions_of(session, _accounts(session, contact_id))


def subscription_services(engine: Engine, subscription_id: int) -> list[ServiceRow]:
    """The services of one subscription, active first."""
    with reading(engine) as session:
        rows = session.execute(
            select(SubscriptionService, col(Product.code), col(Product.name))
            .join(Product, col(Product.id) == col(SubscriptionService.product_id))
            .where(col(SubscriptionService.subscription_id) == subscription_id)
            .order_by(
                col(SubscriptionService.status),
                col(SubscriptionService.start_date).desc(),
                col(SubscriptionService.id),
            )
        ).all()
    return [
        ServiceRow(s.id or 0, code, name, s.price, s.status, s.start_date, s.end_date)
        for s, code, name in rows
    ]


#: Care kinds for the Customer Care filter: entity → rank.
CARE_RANK = {entity: rank for rank, entity in enumerate(reversed(list(CARE_MODELS)), start=1)}


def care_items(
    engine: Engine,
    contact_id: int,
    *,
    actor: Actor | None = None,
    entity: str | None = None,
    status: str = "all",
    since: date | None = None,
    limit: int = DEFAULT_LIMIT,
    before: Cursor | None = None,
) -> Page[CareItemRow]:
    """The customer's care records, newest first, filtered by kind, open/closed and date."""
    kinds = list(CARE_MODELS) if entity in (None, "", "all") else [entity]
    closed = list(CLOSED_STATUSES)
    parts = []
    with reading(engine) as session:
        for key in kinds:
            model = CARE_MODELS[key][0]
            where = [
                model.contact_id == contact_id,
                *care_filter(model, actor),
                *_upto(model.created_at, before),
            ]
            if status == "open":
                where.append(model.status.not_in(closed))
            elif status == "closed":
                where.append(model.status.in_(closed))
            if since is not None:
                where.append(model.created_at >= aware(since))
            found = session.execute(
                select(model)
                .where(*where)
                .order_by(model.created_at.desc(), model.id.desc())
                .limit(limit + 2)
            ).scalars()
            parts.append((CARE_RANK[key], [(r.created_at, r.id, care_row(key, r)) for r in found]))
    return _merge(parts, limit, before)


def communications(
    engine: Engine,
    contact_id: int,
    *,
    actor: Actor | None = None,
    since: date | None = None,
    limit: int = DEFAULT_LIMIT,
    before: Cursor | None = None,
) -> Page[CommunicationRow]:
    """The customer's communications, newest first (index contact_id, created_at)."""
    where = [
        col(Communication.contact_id) == contact_id,
        *care_filter(Communication, actor),
        *_upto(col(Communication.created_at), before),
    ]
    if since is not None:
        where.append(col(Communication.created_at) >= aware(since))
    with reading(engine) as session:
        found = session.execute(
            select(Communication)
            .where(*where)
            .order_by(col(Communication.created_at).desc(), col(Communication.id).desc())
            .limit(limit + 2)
        ).scalars()
        rows = [
            (
                c.created_at,
                c.id,
                CommunicationRow(
                    c.id or 0,
                    aware(c.created_at),
                    c.direction,
                    c.media,
                    c.category,
                    c.subject,
                    c.state,
                    c.delivery,
                ),
            )
            for c in found
        ]
    return _merge([(1, rows)], limit, before)


def rewards(
    engine: Engine,
    contact_id: int,
    *,
    kind: str | None = None,
    state: str | None = None,
    limit: int = DEFAULT_LIMIT,
    before: Cursor | None = None,
) -> RewardsView:
    """The customer's reward participants and their award/spend transactions, newest first."""
    with reading(engine) as session:
        found = session.execute(
            select(RewardParticipant, col(Account.number))
            .outerjoin(Account, col(Account.id) == col(RewardParticipant.account_id))
            .where(col(RewardParticipant.contact_id) == contact_id)
            .order_by(col(RewardParticipant.id))
        ).all()
        participants = tuple(
            ParticipantRow(p.id or 0, p.number, number, p.points) for p, number in found
        )
        numbers = {p.id: p.number for p in participants}
        parts = []
        models: list[tuple[str, Any, int, str, Callable[[int], int]]] = [
            ("award", RewardAwardTransaction, 2, "Award", lambda pts: pts),
            ("spend", RewardSpendTransaction, 1, "Spend", lambda pts: -pts),
        ]
        for key, model, rank, label, sign in models:
            if not numbers or kind not in (None, "", "all", key):
                continue
            where = [model.participant_id.in_(list(numbers)), *_upto(model.created_at, before)]
            if state not in (None, "", "all"):
                where.append(model.state == state)
            rows = session.execute(
                select(model)
                .where(*where)
                .order_by(model.created_at.desc(), model.id.desc())
                .limit(limit + 2)
            ).scalars()
            parts.append(
                (
                    rank,
                    [
                        (
                            r.created_at,
                            r.id,
                            RewardRow(
                                f"reward_{key}",
                                r.id,
                                aware(r.created_at),
                                label,
                                numbers[r.participant_id],
                                sign(r.points),
                                r.reason,
                                r.state,
                            ),
                        )
                        for r in rows
                    ],
                )
            )
    return RewardsView(participants, _merge(parts, limit, before))
