"""Rewards: participants and their award and spend transactions (cancel, never edit)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import utcnow


class RewardParticipant(SQLModel, table=True):
    """A contact's account taking part in the rewards scheme."""

    __tablename__ = "reward_participant"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    number: str = Field(max_length=30, unique=True)
    points: int = 0
    joined_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class RewardAwardTransaction(SQLModel, table=True):
    """Points awarded to a participant. ``state``: posted or cancelled."""

    __tablename__ = "reward_award_transaction"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="reward_participant.id", index=True)
    points: int
    reason: str = Field(default="", max_length=200)
    state: str = Field(default="posted", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    cancelled_at: datetime | None = None
    agent_id: int | None = Field(default=None, foreign_key="agent.id")


class RewardSpendTransaction(SQLModel, table=True):
    """Points spent by a participant. ``state``: posted or cancelled."""

    __tablename__ = "reward_spend_transaction"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="reward_participant.id", index=True)
    points: int
    reason: str = Field(default="", max_length=200)
    state: str = Field(default="posted", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    cancelled_at: datetime | None = None
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
