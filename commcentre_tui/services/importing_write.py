"""The writes of ``commcentre import contacts``: new customers, merged ones (``--update``), marks
for re-runs and the audit entries, as row tuples for the store's bulk writes."""

from __future__ import annotations

import json
from datetime import datetime
from operator import itemgetter
from typing import Any

from commcentre_tui.repo.import_contacts import COMPARED, CONTACT_COLUMNS, ContactStore, Existing
from commcentre_tui.repo.seed.columns import COLUMNS
from commcentre_tui.services.importing_report import ImportOptions, ImportResult
from commcentre_tui.services.importing_rows import Row, address_shadow, contact_shadow
from commcentre_tui.text import canon_id, canon_number
from commcentre_tui.validation import stored_email

#: What an import writes of an email: the normal form, then what the file said when it differs.
EMAIL_COLUMNS = (
    "id",
    "contact_id",
    "kind",
    "address",
    "address_as_typed",
    "address_norm",
    "is_primary",
)
_FLAGS = ("email_opt_out", "sms_opt_out", "phone_opt_out", "letter_opt_out")


class Writer:
    """Turns checked rows into inserts and updates on ``store``."""

    def __init__(
        self, store: ContactStore, options: ImportOptions, now: datetime, user: str
    ) -> None:
        self.store = store
        self.options = options
        self.now = now
        self.user = user
        self.refresh: list[tuple[str, int]] = []
        """Marks of rows found unchanged the long way (``set_marks`` pairs)."""
        self._blank = dict.fromkeys(CONTACT_COLUMNS)
        self._tuple = itemgetter(*CONTACT_COLUMNS)

    def insert(self, rows: list[Row]) -> None:
        store = self.store
        stamp = store.stamp(self.now)
        contacts, phones, emails, addresses = [], [], [], []
        take = store.take_id
        for row in rows:
            c = row.contact
            cid = take("contact")
            computed = {
                "id": cid,
                "customer_number": store.take_number(),
                "kind": c["kind"],
                "preferred_language": c.get("preferred_language", "en"),
                "custom_fields": json.dumps(row.custom, ensure_ascii=False) if row.custom else "{}",
                "id_number_norm": canon_number(c.get("id_number")),
                "national_id_norm": canon_id(c.get("national_id")),
                "created_at": stamp,
                "updated_at": stamp,
                "version": 1,
                "import_hash": f"0:{row.seen.digest}" if row.seen else None,
                **contact_shadow(c.get("first_name"), c.get("last_name"), c.get("company_name")),
            }
            for flag in _FLAGS:
                computed[flag] = c.get(flag, False)
            contacts.append(self._tuple({**self._blank, **c, **computed}))
            for n, (kind, number, e164) in enumerate(row.phones):
                phones.append((take("contact_phone"), cid, kind, number, e164, n == 0))
            for n, (kind, address, norm) in enumerate(row.emails):
                normal, typed = stored_email(address)
                emails.append((take("contact_email"), cid, kind, normal, typed, norm, n == 0))
            if row.address:
                shadows = address_shadow(*row.address)
                addresses.append(
                    (take("contact_address"), cid, "home", *row.address, *shadows.values(), True)
                )
        store.write("contact", CONTACT_COLUMNS, contacts)
        store.write("contact_phone", COLUMNS["contact_phone"], phones)
        store.write("contact_email", EMAIL_COLUMNS, emails)
        store.write("contact_address", COLUMNS["contact_address"], addresses)
        store.inserted += len(rows)

    def update(self, updates: list[tuple[Row, int, dict[str, Any]]], held: Existing) -> None:
        store = self.store
        changes, phones, emails, addresses, audit = [], [], [], [], []
        for row, target, change in updates:
            before = held.contact[target]
            columns = {k: v for k, v in change.items() if k in COMPARED or k == "custom_fields"}
            if columns:
                merged = {**before, **columns}
                shadow = contact_shadow(
                    merged["first_name"], merged["last_name"], merged["company_name"]
                )
                changes.append(
                    {
                        "_id": target,
                        **columns,
                        **shadow,
                        "id_number_norm": canon_number(merged["id_number"]),
                        "national_id_norm": canon_id(merged["national_id"]),
                        "version": int(before.get("version") or 1) + 1,
                        "updated_at": self.now,
                    }
                )
            first_phone = not held.phones.get(target)
            for kind, number, e164 in change.get("phones", ()):
                phones.append(
                    (store.take_id("contact_phone"), target, kind, number, e164, first_phone)
                )
                first_phone = False
            first_email = not held.emails.get(target)
            for kind, address, norm in change.get("emails", ()):
                emails.append(
                    (
                        store.take_id("contact_email"),
                        target,
                        kind,
                        *stored_email(address),
                        norm,
                        first_email,
                    )
                )
                first_email = False
            if "address" in change:
                parts = change["address"]
                addresses.append(
                    (
                        store.take_id("contact_address"),
                        target,
                        "home",
                        *parts,
                        *address_shadow(*parts).values(),
                        not held.addresses.get(target),
                    )
                )
            audit.append(
                {
                    "at": self.now,
                    "agent_id": None,
                    "action": "Import contacts",
                    "entity": "contact",
                    "entity_id": target,
                    "before": {k: before.get(k) for k in columns} or None,
                    "after": _jsonable(change),
                    "detail": f"{self.options.path.name}:{row.line} by {self.user}"[:500],
                }
            )
        if changes:
            store.update_contacts(changes)
        store.write("contact_phone", COLUMNS["contact_phone"], phones)
        store.write("contact_email", EMAIL_COLUMNS, emails)
        store.write("contact_address", COLUMNS["contact_address"], addresses)
        store.audit(audit)
        targets = [t for _r, t, _c in updates]
        store.bump_changes(targets)
        counters = store.change_counters(targets)
        store.set_marks(
            [(f"{counters.get(t, 0)}:{r.seen.digest}", t) for r, t, _c in updates if r.seen]
        )

    def unchanged(self, row: Row, target: int) -> None:
        """A row found unchanged the long way: mark its customer for the next run."""
        seen = row.seen
        if seen is not None and seen.mark is not None and seen.contact_id == target:
            self.refresh.append((seen.mark, target))

    def finish(self, result: ImportResult) -> None:
        """Refresh marks, then the import's own audit entry."""
        self.store.set_marks(self.refresh)
        self.store.audit(
            [
                {
                    "at": self.now,
                    "agent_id": None,
                    "action": "Import contacts",
                    "entity": "import",
                    "entity_id": None,
                    "before": None,
                    "after": {
                        "file": str(self.options.path),
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "rejected": result.rejected,
                    },
                    "detail": f"{self.options.path.name} by {self.user}"[:500],
                }
            ]
        )


def difference(row: Row, target: int, held: Existing) -> dict[str, Any]:
    """What ``row`` would change on the existing customer ``target`` (empty: nothing)."""
    mine = held.contact[target]
    change: dict[str, Any] = {}
    for key, value in row.contact.items():
        if key == "kind" and row.kind_auto:
            continue
        if mine.get(key) != value:
            change[key] = value
    if row.custom:
        merged = {**(mine.get("custom_fields") or {}), **row.custom}
        if merged != (mine.get("custom_fields") or {}):
            change["custom_fields"] = merged
    phones = [p for p in row.phones if p[2] not in held.phones.get(target, ())]
    if phones:
        change["phones"] = phones
    emails = [e for e in row.emails if e[2] not in held.emails.get(target, ())]
    if emails:
        change["emails"] = emails
    if row.address:
        folded = tuple(address_shadow(*row.address).values())
        if folded not in held.addresses.get(target, ()):
            change["address"] = row.address
    return change


def _jsonable(change: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in change.items():
        if key in ("phones", "emails"):
            out[key] = [item[1] for item in value]
        elif key == "address":
            out[key] = ", ".join(p for p in value if p)
        else:
            out[key] = value
    return out
