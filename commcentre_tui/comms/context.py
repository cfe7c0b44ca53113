"""Loading tag values from the database, for one customer or thousands at once.

A :class:`ContextKey` names the records a message is about (contact, and optionally account,
subscription, bill, job, activity, service request). :func:`load_batch` fetches the groups for
many keys with a handful of set-based queries (no ORM object per row). A single message's key
and context: :mod:`commcentre_tui.comms.context_single`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, Integer, any_, func, literal, literal_column, select
from sqlmodel import Session

from commcentre_tui.catalog import MEDIA
from commcentre_tui.comms.tags import FIELDS, TagList, build_context, contact_values, group_type
from commcentre_tui.errors import NotFound
from commcentre_tui.models import (
    Account,
    Activity,
    Agent,
    Bill,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    Job,
    Product,
    ServiceRequest,
    Subscription,
    SubscriptionService,
)

T_CONTACT = Contact.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_EMAIL = ContactEmail.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_PHONE = ContactPhone.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_ADDRESS = ContactAddress.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_ACCOUNT = Account.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_SUB = Subscription.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_SUBSVC = SubscriptionService.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_PRODUCT = Product.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
T_BILL = Bill.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)

_CARE_GROUPS = {"job": Job, "activity": Activity, "service_request": ServiceRequest}
_CARE_KEYS = {group: f"{group}_id" for group in _CARE_GROUPS}
_CARE_FIELDS = {
    "job": ("number", "type", "status", "scheduled_at", "completed_at"),
    "activity": ("number", "type", "status", "start_at", "expected_completion_at"),
    "service_request": ("number", "type", "status", "priority"),
}


class ContextKey(NamedTuple):
    """The records one message is about; ``None`` = not part of this message."""

    contact_id: int
    account_id: int | None = None
    subscription_id: int | None = None
    bill_id: int | None = None
    job_id: int | None = None
    activity_id: int | None = None
    service_request_id: int | None = None


class ContactInfo(NamedTuple):
    """What sending needs to know about a contact besides the tags."""

    id: int
    name: str
    customer_number: str
    language: str
    email: str | None
    phone: str | None
    email_opt_out: bool = False
    sms_opt_out: bool = False
    phone_opt_out: bool = False
    letter_opt_out: bool = False

    def recipient(self, media: str) -> str | None:
        """The address for ``media``: the primary email, or the primary phone for SMS/phone."""
        if media == "email":
            return self.email
        if media in ("sms", "phone"):
            return self.phone
        return None

    def opted_out(self, media: str) -> bool:
        """Whether the contact refuses ``media``."""
        return bool(getattr(self, f"{media}_opt_out", False))


#: ``ContactInfo(*fields)`` at C speed (a NamedTuple's own ``__new__`` is a Python function);
#: the bulk path makes one per message.
_new_info: Callable[[type[ContactInfo], tuple[Any, ...]], ContactInfo] = tuple.__new__


def ids_in(session: Session, column: Any, ids: Iterable[int]) -> Any:
    """``column IN ids`` as ONE bound parameter (a PostgreSQL array, a JSON list on SQLite), so
    thousands of ids cost no per-id SQL rendering."""
    values = sorted(set(ids))
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(Integer)))
    return column.in_(
        select(literal_column("value")).select_from(func.json_each(literal(json.dumps(values))))
    )


def _wanted(needs: set[str], group: str) -> set[str]:
    """The fields of ``group`` that ``needs`` (group names and ``group.field`` tags) asks for."""
    if group in needs:
        return set(FIELDS[group])
    prefix = group + "."
    return {tag[len(prefix) :] for tag in needs if tag.startswith(prefix)}


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    """Rows ordered by their first column (the contact id) → id → the rest of each row."""
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(row)
    return out


def _rows_by_id(
    session: Session, table: Any, ids: set[int], columns: Sequence[str], group: str | None = None
) -> dict[int, dict[str, Any]]:
    """``id → {column: value}`` for ``ids`` (as the tag group's type when ``group`` is given)."""
    if not ids:
        return {}
    make = group_type(group) if group else dict
    cols = [table.c.id, *(table.c[name] for name in columns)]
    rows = session.execute(select(*cols).where(ids_in(session, table.c.id, ids))).all()
    return {row[0]: make(zip(columns, row[1:], strict=True)) for row in rows}


_CONTACT_COLUMNS = (
    "id",
    "kind",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "customer_number",
    "preferred_language",
    "email_opt_out",
    "sms_opt_out",
    "phone_opt_out",
    "letter_opt_out",
)


def load_batch(
    session: Session,
    keys: Sequence[ContextKey],
    needs: set[str],
    *,
    agent: Mapping[str, Any] | None = None,
    today: date,
    media: Iterable[str] | None = None,
) -> list[tuple[ContactInfo, dict[str, Any]]]:
    """For each key, the contact's sending info and the template context with the ``needs`` tags
    (``"bill.number"``, or a whole group: ``"bill"``).

    Groups a key does not name (or ``needs`` leaves out) are absent: a tag from them is an error
    naming the tag, never a blank. A handful of set-based queries per call, whatever its size.
    ``media`` (the media the messages go by; all when ``None``) says which addresses sending
    needs: emails and phones are only read when a medium or a tag needs them.
    """
    contact_ids = {k.contact_id for k in keys}
    if not contact_ids:
        return []
    sending = set(MEDIA) if media is None else set(media)
    contact_tags = _wanted(needs, "contact")
    c = T_CONTACT.c
    contacts = {
        row[0]: dict(zip(_CONTACT_COLUMNS, row, strict=True))
        for row in session.execute(
            select(*(c[name] for name in _CONTACT_COLUMNS)).where(
                ids_in(session, c.id, contact_ids)
            )
        ).all()
    }
    e, p = T_EMAIL.c, T_PHONE.c
    emails: dict[int, list[Any]] = {}
    phones: dict[int, list[Any]] = {}
    if "email" in sending or contact_tags & {"email", "emails"}:
        emails = _grouped(
            session.execute(
                select(e.contact_id, e.address)
                .where(ids_in(session, e.contact_id, contact_ids))
                .order_by(e.contact_id, e.is_primary.desc(), e.id)
            ).all()
        )
    if sending & {"sms", "phone"} or contact_tags & {"phone", "phones"}:
        phones = _grouped(
            session.execute(
                select(p.contact_id, p.e164, p.number)
                .where(ids_in(session, p.contact_id, contact_ids))
                .order_by(p.contact_id, p.is_primary.desc(), p.id)
            ).all()
        )
    addresses: dict[int, list[Any]] = {}
    if "letter" in sending or contact_tags & {
        "address",
        "street",
        "city",
        "postal_code",
        "country",
    }:
        a = T_ADDRESS.c
        addresses = _grouped(
            session.execute(
                select(a.contact_id, a.street, a.city, a.postal_code, a.country)
                .where(ids_in(session, a.contact_id, contact_ids))
                .order_by(a.contact_id, a.is_primary.desc(), a.id)
            ).all()
        )
    accounts: dict[int, dict[str, Any]] = {}
    bills: dict[int, dict[str, Any]] = {}
    subs: dict[int, dict[str, Any]] = {}
    services: dict[int, list[str]] = defaultdict(list)
    if wanted := _wanted(needs, "account"):
        accounts = _rows_by_id(
            session,
            T_ACCOUNT,
            {k.account_id for k in keys if k.account_id},
            sorted(wanted),
            "account",
        )
    if wanted := _wanted(needs, "bill"):
        columns = (wanted - {"outstanding"}) | (
            {"amount", "paid_amount"} if "outstanding" in wanted else set()
        )
        bills = _rows_by_id(
            session, T_BILL, {k.bill_id for k in keys if k.bill_id}, sorted(columns), "bill"
        )
        if "outstanding" in wanted:
            for bill in bills.values():
                bill["outstanding"] = bill["amount"] - bill["paid_amount"]
    if wanted := _wanted(needs, "subscription"):
        sub_ids = {k.subscription_id for k in keys if k.subscription_id}
        subs = _rows_by_id(session, T_SUB, sub_ids, sorted(wanted - {"services"}))
        if sub_ids and "services" in wanted:
            for sub_id, name in session.execute(
                select(T_SUBSVC.c.subscription_id, T_PRODUCT.c.name)
                .join(T_PRODUCT, T_PRODUCT.c.id == T_SUBSVC.c.product_id)
                .where(
                    ids_in(session, T_SUBSVC.c.subscription_id, sub_ids),
                    T_SUBSVC.c.status == "active",
                )
                .order_by(T_SUBSVC.c.subscription_id, T_SUBSVC.c.id)
            ).all():
                services[sub_id].append(name)
    care: dict[str, dict[int, dict[str, Any]]] = {}
    for group, model in _CARE_GROUPS.items():
        if wanted := _wanted(needs, group):
            ids = {getattr(k, f"{group}_id") for k in keys if getattr(k, f"{group}_id")}
            care[group] = _rows_by_id(session, model.__table__, ids, sorted(wanted), group)  # type: ignore[attr-defined]  # sqlmodel's stubs do not declare a table model's __table__

    if agent is not None:
        agent = group_type("agent")(agent)  # once, not per message (the sandbox never changes it)
    out: list[tuple[ContactInfo, dict[str, Any]]] = []
    for key in keys:
        cid = key.contact_id
        row = contacts.get(cid)
        if row is None:
            raise NotFound(f"Contact {cid} no longer exists.")
        mails = [r[1] for r in emails.get(cid, ())]
        nums = [r[1] or r[2] for r in phones.get(cid, ())]
        addr = addresses.get(cid)
        values = contact_values(row, mails, nums, addr[0]._mapping if addr else None)
        info = _new_info(
            ContactInfo,
            (
                cid,
                values["name"] or row["customer_number"],
                row["customer_number"],
                row["preferred_language"] or "en",
                values["email"],
                values["phone"],
                row["email_opt_out"],
                row["sms_opt_out"],
                row["phone_opt_out"],
                row["letter_opt_out"],
            ),
        )
        groups: dict[str, Mapping[str, Any] | None] = {"contact": values, "agent": agent}
        if key.account_id:
            groups["account"] = accounts.get(key.account_id)
        if key.bill_id:
            groups["bill"] = bills.get(key.bill_id)
        if key.subscription_id and key.subscription_id in subs:
            groups["subscription"] = {
                **subs[key.subscription_id],
                "services": TagList(services.get(key.subscription_id, ())),
            }
        for group, rows in care.items():
            rid = getattr(key, _CARE_KEYS[group])
            if rid:
                groups[group] = rows.get(rid)
        out.append((info, build_context(groups, today)))
    return out


def agent_values(session: Session, agent_id: int | None) -> dict[str, Any] | None:
    """The ``agent`` group for ``agent_id`` (``None`` when no agent)."""
    if agent_id is None:
        return None
    agent = session.get(Agent, agent_id)
    if agent is None:
        return None
    return {"name": agent.display_name, "username": agent.username, "unit": agent.unit}
