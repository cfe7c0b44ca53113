"""Change counters: what lets a console see that someone else changed the customer on screen."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from commcentre_tui.models.types import utcnow


class ContactChange(SQLModel, table=True):
    """One row per customer changed since the counter began: ``version`` goes up by one in the
    same transaction as every audited change to the customer or their records."""

    __tablename__ = "contact_change"

    contact_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(default=1)
    changed_at: datetime = Field(default_factory=utcnow)
    agent_id: int | None = None
    """Who made the latest change (a console ignores its own agent's changes: it has reloaded)."""
