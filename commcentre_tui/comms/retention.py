"""Keeping the queue table small: delivered entries leave it ``[worker] keep_sent_days`` after
sending. The communication (with its delivery state, sent time and attempts) stays for ever; the
queue entry is only the worker's bookkeeping, and a table that only grows slows every claim."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from commcentre_tui.models import CommunicationQueue
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.db import transaction

#: Entries deleted per transaction (short transactions: other writers are never held up long).
PRUNE_BATCH = 5_000


def prune_sent(
    engine: Engine, keep_days: float, *, now: datetime | None = None, limit: int = PRUNE_BATCH
) -> int:
    """Delete up to ``limit`` queue entries sent more than ``keep_days`` ago; returns how many.

    ``keep_days`` 0 keeps everything. Call again while it returns ``limit``.
    """
    if keep_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    q = CommunicationQueue.__table__.c  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    with transaction(engine) as session:
        ids = (
            session.execute(select(q.id).where(q.status == "sent", q.sent_at < cutoff).limit(limit))
            .scalars()
            .all()
        )
        if ids:
            session.execute(
                delete(CommunicationQueue.__table__).where(q.id.in_(ids))  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
            )
    return len(ids)
