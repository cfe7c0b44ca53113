"""Which customers a transaction changed, and a counter per customer that consoles poll.

:func:`~commcentre_tui.repo.audit.record` notes the customer behind every audited change
(:func:`note`); :func:`~commcentre_tui.repo.db.transaction` raises their counters as the last
statements before the commit (:func:`flush`), in customer order, so the counter moves in the
same transaction as the change and two transactions never wait on each other's counters in a
cycle. A console reads the counter of the customer on screen (:func:`version_of`, a primary-key
read) every second and refreshes the view when it moved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, text
from sqlmodel import Session

from commcentre_tui.models.types import utcnow

#: ``session.info`` keys: the customers changed in this transaction, and by whom.
PENDING = "changed_contacts"
BY = "changed_by"

#: Audit entity → (table, how it reaches the customer). A step is a column of the row: the
#: customer itself (``contact_id``) or a parent row in another table.
_PATHS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "account": ("account", (("contact_id", ""),)),
    "activity": ("activity", (("contact_id", ""),)),
    "case": ("care_case", (("contact_id", ""),)),
    "communication": ("communication", (("contact_id", ""),)),
    "job": ("job", (("contact_id", ""),)),
    "lead": ("lead", (("contact_id", ""),)),
    "service_request": ("service_request", (("contact_id", ""),)),
    "task": ("task", (("contact_id", ""),)),
    "bill": ("bill", (("account_id", "account"), ("contact_id", ""))),
    "payment": ("payment", (("account_id", "account"), ("contact_id", ""))),
    "invoice": ("invoice", (("account_id", "account"), ("contact_id", ""))),
    "credit": ("credit", (("account_id", "account"), ("contact_id", ""))),
    "voucher": ("voucher", (("account_id", "account"), ("contact_id", ""))),
    "subscription": ("subscription", (("account_id", "account"), ("contact_id", ""))),
    "subscription_service": (
        "subscription_service",
        (("subscription_id", "subscription"), ("account_id", "account"), ("contact_id", "")),
    ),
    "reward_award_transaction": (
        "reward_award_transaction",
        (("participant_id", "reward_participant"), ("contact_id", "")),
    ),
    "reward_spend_transaction": (
        "reward_spend_transaction",
        (("participant_id", "reward_participant"), ("contact_id", "")),
    ),
}


def contact_of(session: Session, entity: str, entity_id: int | None) -> int | None:
    """The customer an audited record belongs to (``None`` when it belongs to none)."""
    if entity_id is None:
        return None
    if entity == "contact":
        return entity_id
    path = _PATHS.get(entity)
    if path is None:
        return None
    table, steps = path
    session.flush()  # the audited row (and its parents) as this transaction has them
    current: Any = entity_id
    for column, parent in steps:
        if current is None:
            return None
        current = session.execute(
            text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": current}
        ).scalar()
        table = parent
    return int(current) if current is not None else None


def note(session: Session, contact_id: int | None, agent_id: int | None = None) -> None:
    """Remember that this transaction changed ``contact_id`` (on behalf of ``agent_id``)."""
    if contact_id is not None:
        session.info.setdefault(PENDING, set()).add(int(contact_id))
        session.info[BY] = agent_id


def flush(session: Session) -> None:
    """Raise the counter of every customer noted in this transaction (the last statements)."""
    pending = session.info.pop(PENDING, None)
    agent_id = session.info.pop(BY, None)
    if not pending:
        return
    from commcentre_tui.models.changes import ContactChange

    table = ContactChange.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # the same insert API for the other dialect, one name for both
    now = utcnow()
    # One statement for all of them (a batch import changes hundreds), rows in customer order.
    statement = insert(table).values(
        [
            {"contact_id": contact_id, "version": 1, "changed_at": now, "agent_id": agent_id}
            for contact_id in sorted(pending)
        ]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.contact_id],
            set_={"version": table.c.version + 1, "changed_at": now, "agent_id": agent_id},
        )
    )


def version_of(engine: Engine, contact_id: int) -> tuple[int, int | None]:
    """The customer's change counter (0 before their first recorded change) and the agent who
    made the latest change."""
    from commcentre_tui.models.changes import ContactChange

    table = ContactChange.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    with engine.connect() as conn:
        found = conn.execute(
            select(table.c.version, table.c.agent_id).where(table.c.contact_id == contact_id)
        ).first()
    return (int(found[0]), found[1]) if found else (0, None)
