"""Customer care: activities, jobs, service requests, leads, cases with follow-ups, tasks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import Money, utcnow


class CareItem(SQLModel):
    """Fields every customer-care record shares."""

    contact_id: int = Field(foreign_key="contact.id", index=True)
    description: str = Field(default="", sa_type=Text)
    status: str = Field(default="open", max_length=20)
    assigned_unit: str | None = Field(default=None, max_length=60)
    assigned_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    created_by_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Activity(CareItem, table=True):
    """A scheduled activity (e.g. Installation). ``status``: open, in_progress, completed,
    cancelled."""

    __tablename__ = "activity"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=30, unique=True)
    type: str = Field(max_length=60)
    related_type: str | None = Field(default=None, max_length=30)
    related_id: int | None = None
    start_at: datetime | None = None
    estimated_completion_at: datetime | None = None
    expected_completion_at: datetime | None = None
    completed_at: datetime | None = None


class ActivityService(SQLModel, table=True):
    """A one-time service to be provided as part of an activity."""

    __tablename__ = "activity_service"

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    quantity: int = 1


class Job(CareItem, table=True):
    """A job to be done for the customer (e.g. a technician visit)."""

    __tablename__ = "job"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=30, unique=True)
    type: str = Field(max_length=60)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    scheduled_at: datetime | None = None
    completed_at: datetime | None = None


class ServiceRequest(CareItem, table=True):
    """A service request. ``status``: open → in_progress → resolved → closed."""

    __tablename__ = "service_request"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=30, unique=True)
    type: str = Field(max_length=60)
    priority: str = Field(default="normal", max_length=20)
    severity: str = Field(default="minor", max_length=20)
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id")
    account_id: int | None = Field(default=None, foreign_key="account.id")
    resolved_at: datetime | None = None


class Lead(CareItem, table=True):
    """A sales lead. ``status``: new, qualified, won, lost."""

    __tablename__ = "lead"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=30, unique=True)
    source: str = Field(default="phone", max_length=60)
    product_id: int | None = Field(default=None, foreign_key="product.id")
    interest: str = Field(default="", max_length=200)
    potential_value: Decimal | None = Field(default=None, sa_type=Money)


class Case(CareItem, table=True):
    """A case (8x8): a customer's issue tracked to closure. ``status``: open or closed."""

    __tablename__ = "care_case"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=30, unique=True)
    subject: str = Field(max_length=300)
    severity: str = Field(default="minor", max_length=20)
    priority: str = Field(default="normal", max_length=20)
    visibility: str = Field(default="public", max_length=20)
    """``public`` or ``unit`` (owning unit and supervisors only)."""
    closed_at: datetime | None = None


class FollowUp(SQLModel, table=True):
    """A follow-up on a case: a note, or a link to a communication."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="care_case.id", index=True)
    kind: str = Field(default="note", max_length=20)
    note: str = Field(default="", sa_type=Text)
    communication_id: int | None = Field(default=None, foreign_key="communication.id")
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow)


class Task(SQLModel, table=True):
    """A planned contact with a customer (call, email, meeting, chat, other) with a reminder."""

    __tablename__ = "task"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="care_case.id")
    kind: str = Field(default="call", max_length=20)
    subject: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    due_at: datetime
    reminder_minutes: int = 15
    remind_at: datetime | None = Field(default=None, index=True)
    reminded_at: datetime | None = None
    status: str = Field(default="open", max_length=20)
    assigned_agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1
