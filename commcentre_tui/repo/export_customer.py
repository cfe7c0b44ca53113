"""Everything held about one customer, as one JSON-ready document (a data-subject access request).

The rows are found by following foreign keys down from the contact: every table that points at
the contact, then every table that points at those rows (accounts → bills → bill lines, payments,
subscriptions …; cases → follow-ups; communications), plus the audit entries about any of them.
A table added later is included without changing this module. Left out: search shadow columns
(folded copies), voucher secrets, the delivery queue and agents' own records (agents and
products appear by id, with a name table at the end).
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Table, insert, select
from sqlmodel import SQLModel

from commcentre_tui.text import canon_number

#: Tables not walked into: reference data and the machinery (not about the customer).
_NOT_WALKED = {
    "agent",
    "product",
    "template",
    "role",
    "permission",
    "agent_key",
    "agent_session",
    "communication_queue",
    "contact_change",
    "number_sequence",
    "audit_entry",
}
#: Columns left out of every row.
_HIDDEN_SUFFIXES = ("_norm",)
_HIDDEN = {"sort_name", "secret_number"}
#: Audit ``entity`` names that are not table names.
_ENTITY_TABLE = {"case": "care_case"}
IN_BATCH = 500


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(mapping: Any) -> dict[str, Any]:
    return {
        k: _plain(v)
        for k, v in mapping.items()
        if k not in _HIDDEN and not k.endswith(_HIDDEN_SUFFIXES)
    }


def _select_in(conn: Any, table: Table, column: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), IN_BATCH):
        part = ordered[start : start + IN_BATCH]
        statement = select(table).where(table.c[column].in_(part)).order_by(table.c.id)
        rows.extend(dict(r) for r in conn.execute(statement).mappings())
    return rows


def customer_document(
    engine: Engine, customer_number: str, *, audit_as: str | None = None
) -> dict[str, Any] | None:
    """Everything about the customer ``customer_number`` (``None``: no such customer).

    The export itself is audited ("Export customer data", by the operating-system user or
    ``audit_as``).
    """
    import commcentre_tui.models  # noqa: F401 - every table registered on the metadata

    tables = SQLModel.metadata.tables
    contact = tables["contact"]
    with engine.connect() as conn:
        found = (
            conn.execute(
                select(contact).where(contact.c.customer_number == canon_number(customer_number))
            )
            .mappings()
            .first()
        )
        if found is None:
            return None
        contact_id = int(found["id"])
        collected: dict[str, dict[int, dict[str, Any]]] = {"contact": {contact_id: dict(found)}}
        for table in SQLModel.metadata.sorted_tables:
            if table.name in _NOT_WALKED or table.name == "contact":
                continue
            rows: dict[int, dict[str, Any]] = {}
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                if parent == table.name or parent not in collected or not collected[parent]:
                    continue
                for row in _select_in(conn, table, fk.parent.name, list(collected[parent])):
                    rows[int(row["id"])] = row
            if rows:
                collected[table.name] = rows
        audit = _audit(conn, tables["audit_entry"], collected)
        agents = _names(conn, tables["agent"], "display_name", collected, audit, "agent")
        products = _names(conn, tables["product"], "name", collected, audit, "product")
        document: dict[str, Any] = {
            "customer_number": found["customer_number"],
            "exported_at": datetime.now(UTC).isoformat(),
            "contact": _row(found),
        }
        for name, rows_by_id in collected.items():
            if name != "contact":
                document[name] = [_row(rows_by_id[i]) for i in sorted(rows_by_id)]
        document["audit"] = [_row(r) for r in audit]
        document["agents"] = agents
        document["products"] = products
        conn.rollback()
    with engine.begin() as conn:
        conn.execute(
            insert(tables["audit_entry"]).values(
                at=datetime.now(UTC),
                agent_id=None,
                action="Export customer data",
                entity="contact",
                entity_id=contact_id,
                detail=f"by {audit_as or _os_user()}"[:500],
            )
        )
    return document


def _audit(
    conn: Any, table: Table, collected: dict[str, dict[int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    by_table = {v: k for k, v in _ENTITY_TABLE.items()}
    entries: dict[int, dict[str, Any]] = {}
    for name, rows in collected.items():
        entity = by_table.get(name, name)
        ids = sorted(rows)
        for start in range(0, len(ids), IN_BATCH):
            statement = select(table).where(
                table.c.entity == entity, table.c.entity_id.in_(ids[start : start + IN_BATCH])
            )
            for row in conn.execute(statement).mappings():
                entries[int(row["id"])] = dict(row)
    return [entries[i] for i in sorted(entries)]


def _names(
    conn: Any,
    table: Table,
    column: str,
    collected: dict[str, dict[int, dict[str, Any]]],
    audit: list[dict[str, Any]],
    target: str,
) -> dict[str, str]:
    """``{id: name}`` of the agents (or products) the exported rows refer to."""
    ids: set[int] = set()
    for name, rows in collected.items():
        columns = [
            fk.parent.name
            for fk in SQLModel.metadata.tables[name].foreign_keys
            if fk.column.table.name == target
        ]
        for row in rows.values():
            ids.update(int(row[c]) for c in columns if row.get(c) is not None)
    if target == "agent":
        ids.update(int(r["agent_id"]) for r in audit if r.get("agent_id") is not None)
    if not ids:
        return {}
    rows = conn.execute(select(table.c.id, table.c[column]).where(table.c.id.in_(sorted(ids))))
    return {str(i): n for i, n in rows}


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
