"""Billing: the product catalogue, subscriptions and their services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import Money, utcnow


class Product(SQLModel, table=True):
    """A product or service of the catalogue (recurring or one-time)."""

    __tablename__ = "product"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=100)
    kind: str = Field(default="recurring", max_length=20)
    """``recurring`` (billed each period) or ``one_time``."""
    price: Decimal = Field(sa_type=Money)
    billing_period: str = Field(default="monthly", max_length=20)
    active: bool = True


class Subscription(SQLModel, table=True):
    """A subscription on an account. ``status``: active, suspended, terminated."""

    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    number: str = Field(max_length=30, unique=True)
    status: str = Field(default="active", max_length=20)
    start_date: date
    end_date: date | None = None
    billed_until: date | None = None
    """Last day already billed; the next bill starts the day after."""
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class SubscriptionService(SQLModel, table=True):
    """A service on a subscription, priced when added. ``status``: active or removed."""

    __tablename__ = "subscription_service"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    price: Decimal = Field(sa_type=Money)
    start_date: date
    end_date: date | None = None
    status: str = Field(default="active", max_length=20)


class SubscriptionEvent(SQLModel, table=True):
    """History of a subscription: created, service added/removed, suspended, resumed, billed."""

    __tablename__ = "subscription_event"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    action: str = Field(max_length=40)
    details: str = Field(default="", max_length=400)
    effective_date: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
