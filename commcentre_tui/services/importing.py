"""``commcentre import contacts``: customers from another system, checked, de-duplicated, bulk
written in one transaction.

Each row is checked (:mod:`.importing_rows`), then matched against the rows before it and the
database, a chunk at a time: by external id (the id in the other system, kept on the contact),
by E.164 phone and by folded email. A row that matches an existing customer and says nothing
new is *unchanged* (so importing the same file again changes nothing); one that says something
new is a duplicate, reported — or, with ``update``, merged into that customer (given cells
replace theirs, blank cells leave them, new phones, emails and an address are added).

All or nothing: with any problem nothing is written, unless ``skip_invalid`` (then the rejected
rows go to a CSV beside the report). ``dry_run`` checks every row and writes nothing.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.repo.import_contacts import COMPARED, CONTACT_COLUMNS, ContactStore
from commcentre_tui.repo.seed.columns import COLUMNS
from commcentre_tui.services.importing_csv import (
    ImportRefused,
    build_mapping,
    open_rows,
    parse_map,
    required_custom_missing,
)
from commcentre_tui.services.importing_report import ImportOptions as ImportOptions
from commcentre_tui.services.importing_report import ImportResult as ImportResult
from commcentre_tui.services.importing_report import Problems
from commcentre_tui.services.importing_rows import (
    Problem,
    Row,
    RowChecker,
    address_shadow,
    contact_shadow,
)
from commcentre_tui.text import canon_id, canon_number
from commcentre_tui.validation import stored_email

CHUNK = 2000

Progress = Callable[[int, int], None]
"""``progress(bytes read, file size)``."""

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


def import_contacts(
    engine: Engine, settings: Settings, options: ImportOptions, progress: Progress | None = None
) -> ImportResult:
    """Import ``options.path``; raises :class:`ImportRefused` when the file cannot be read."""
    explicit = parse_map(options.maps, options.mapping_file)
    definitions = settings.contacts.custom_fields
    try:
        stream = options.path.open("rb")
    except OSError as exc:
        raise ImportRefused(f"Cannot read {options.path}: {exc.strerror or exc}.") from None
    size = options.path.stat().st_size
    result = ImportResult()
    with stream:
        headers, records, reader = open_rows(
            stream, options.path, options.encoding, options.delimiter
        )
        mapping = build_mapping(headers, explicit, [d.name for d in definitions], options.path)
        missing = required_custom_missing(mapping, [d.name for d in definitions if d.required])
        if missing:
            raise ImportRefused(missing)
        result.ignored_columns = mapping.ignored
        checker = RowChecker(mapping, list(definitions), settings.search.default_region)
        problems = Problems(options, result, headers)
        try:
            _run(
                engine,
                options,
                result,
                checker,
                problems,
                records,
                lambda: (progress or (lambda _d, _t: None))(reader.bytes_read, size),
            )
        finally:
            problems.close()
    return result


def _run(
    engine: Engine,
    options: ImportOptions,
    result: ImportResult,
    checker: RowChecker,
    problems: Problems,
    records: Any,
    tick: Callable[[], None],
) -> None:
    expected = _count_lines(options.path)  # decides whether to rebuild indexes once at the end
    conn = engine.connect()
    if engine.dialect.name == "sqlite" and not options.dry_run:
        conn = conn.execution_options(sqlite_immediate=True)
    try:
        with conn.begin() as transaction:
            store = ContactStore(conn, 0 if options.dry_run else expected, lock=not options.dry_run)
            job = _Job(options, result, store, problems)
            chunk: list[Row] = []
            for line, values in records:
                result.rows += 1
                row, found = checker.check(line, values)
                if row is not None:
                    found = job.in_file(row)
                if found:
                    problems.add(found, values)
                else:
                    chunk.append(row)  # type: ignore[arg-type]  # None rows were skipped just above
                if len(chunk) >= CHUNK:
                    job.resolve(chunk)
                    chunk = []
                    tick()
            job.resolve(chunk)
            tick()
            if options.dry_run or (result.problems and not options.skip_invalid):
                transaction.rollback()
                return
            store.finish()
            job.audit_summary()
        result.written = True
    finally:
        conn.close()


class _Job:
    """Matching and writing, a chunk at a time."""

    def __init__(
        self, options: ImportOptions, result: ImportResult, store: ContactStore, problems: Problems
    ) -> None:
        self.options = options
        self.result = result
        self.store = store
        self.problems = problems
        self.seen: dict[str, int] = {}
        self.now = datetime.now(UTC)
        self.user = _os_user()

    @property
    def writing(self) -> bool:
        """Whether rows are written: not in a dry run, nor once a problem dooms the import."""
        o = self.options
        return not o.dry_run and not (self.result.problems and not o.skip_invalid)

    def in_file(self, row: Row) -> list[Problem]:
        """Problems with rows before it in the file (same external id, phone or email)."""
        found: list[Problem] = []
        keys = {(f"ext:{row.external_id}" if k == "external_id" else k): k for k in row.columns}
        for key, column_key in keys.items():
            earlier = self.seen.get(key)
            if earlier is not None:
                what, value = key.split(":", 1)
                what = {"ext": "external id"}.get(what, what)
                found.append(
                    (
                        row.line,
                        row.columns[column_key],
                        f"The same {what} ({value}) as line {earlier}; a customer is one row.",
                    )
                )
        if not found:
            for key in keys:
                self.seen[key] = row.line
        return found

    def resolve(self, rows: list[Row]) -> None:
        if not rows:
            return
        store = self.store
        by_ext = store.by_external_id([r.external_id for r in rows if r.external_id])
        by_phone = store.by_phone([p[2] for r in rows for p in r.phones])
        by_email = store.by_email([e[2] for r in rows for e in r.emails])
        targets: dict[int, int] = {}
        for i, row in enumerate(rows):
            ext = by_ext.get(row.external_id) if row.external_id else None
            others = {cid for p in row.phones for cid in by_phone.get(p[2], ())}
            others |= {cid for e in row.emails for cid in by_email.get(e[2], ())}
            if ext is not None:
                targets[i] = ext
            elif others:
                targets[i] = min(others)
        held = store.existing(
            sorted(
                set(targets.values())
                | {c for s in by_phone.values() for c in s}
                | {c for s in by_email.values() for c in s}
            )
        )
        new: list[Row] = []
        updates: list[tuple[Row, int, dict[str, Any]]] = []
        for i, row in enumerate(rows):
            target = targets.get(i)
            if target is None:
                new.append(row)
                continue
            problem = self._conflict(row, target, by_phone, by_email, held)
            if problem:
                self.problems.add([problem], row.values)
                continue
            change = _difference(row, target, held)
            if not change:
                self.result.unchanged += 1
            elif self.options.update:
                updates.append((row, target, change))
            else:
                number = held.contact[target]["customer_number"]
                column = next(iter(row.columns.values()), self.problems.headers[0])
                how = (
                    "imported as"
                    if row.external_id and held.contact[target]["external_id"] == row.external_id
                    else "matches"
                )
                self.problems.add(
                    [
                        (
                            row.line,
                            column,
                            f"This row {how} the existing customer {number} but differs "
                            f"({', '.join(sorted(change))}); give --update to merge it into "
                            f"that customer.",
                        )
                    ],
                    row.values,
                )
        self._insert(new)
        self._update(updates, held)

    def _conflict(
        self,
        row: Row,
        target: int,
        by_phone: dict[str, set[int]],
        by_email: dict[str, set[int]],
        held: Any,
    ) -> Problem | None:
        mine = held.contact[target]
        for kind, index, owners in (("phone", 2, by_phone), ("email", 2, by_email)):
            for item in row.phones if kind == "phone" else row.emails:
                for other in owners.get(item[index], ()):
                    if other != target:
                        number = held.contact[other]["customer_number"]
                        return (
                            row.line,
                            row.columns[f"{kind}:{item[index]}"],
                            f"The {kind} {item[index]} belongs to customer {number}, and this "
                            f"row is customer {mine['customer_number']}; merge them first.",
                        )
        if row.external_id and mine["external_id"] not in (None, row.external_id):
            return (
                row.line,
                row.columns["external_id"],
                f"This row matches customer {mine['customer_number']}, who was imported as "
                f"external id {mine['external_id']}, not {row.external_id}.",
            )
        return None

    def _insert(self, rows: list[Row]) -> None:
        if not rows:
            return
        self.result.created += len(rows)
        if not self.writing:
            return
        store = self.store
        stamp = store.stamp(self.now)
        contacts, phones, emails, addresses = [], [], [], []
        for row in rows:
            c = row.contact
            cid = store.take_id("contact")
            shadow = contact_shadow(c.get("first_name"), c.get("last_name"), c.get("company_name"))
            values = {
                "id": cid,
                "customer_number": store.take_number(),
                "kind": c["kind"],
                "preferred_language": c.get("preferred_language", "en"),
                "email_opt_out": c.get("email_opt_out", False),
                "sms_opt_out": c.get("sms_opt_out", False),
                "phone_opt_out": c.get("phone_opt_out", False),
                "letter_opt_out": c.get("letter_opt_out", False),
                "custom_fields": store.encode_json(row.custom),
                "id_number_norm": canon_number(c.get("id_number")),
                "national_id_norm": canon_id(c.get("national_id")),
                "created_at": stamp,
                "updated_at": stamp,
                "version": 1,
                **shadow,
            }
            contacts.append(tuple(values[k] if k in values else c.get(k) for k in CONTACT_COLUMNS))
            for n, (kind, number, e164) in enumerate(row.phones):
                phones.append((store.take_id("contact_phone"), cid, kind, number, e164, n == 0))
            for n, (kind, address, norm) in enumerate(row.emails):
                emails.append(
                    (
                        store.take_id("contact_email"),
                        cid,
                        kind,
                        *stored_email(address),
                        norm,
                        n == 0,
                    )
                )
            if row.address:
                shadows = address_shadow(*row.address)
                addresses.append(
                    (
                        store.take_id("contact_address"),
                        cid,
                        "home",
                        *row.address,
                        *shadows.values(),
                        True,
                    )
                )
        store.write("contact", CONTACT_COLUMNS, contacts)
        store.write("contact_phone", COLUMNS["contact_phone"], phones)
        store.write("contact_email", EMAIL_COLUMNS, emails)
        store.write("contact_address", COLUMNS["contact_address"], addresses)
        store.inserted += len(rows)

    def _update(self, updates: list[tuple[Row, int, dict[str, Any]]], held: Any) -> None:
        if not updates:
            return
        self.result.updated += len(updates)
        if not self.writing:
            return
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
        store.bump_changes([t for _r, t, _c in updates])

    def audit_summary(self) -> None:
        r = self.result
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
                        "rows": r.rows,
                        "created": r.created,
                        "updated": r.updated,
                        "unchanged": r.unchanged,
                        "rejected": r.rejected,
                    },
                    "detail": f"{self.options.path.name} by {self.user}"[:500],
                }
            ]
        )


def _difference(row: Row, target: int, held: Any) -> dict[str, Any]:
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


def _count_lines(path: Path) -> int:
    """The file's line count (about its row count; a quick pass over the bytes)."""
    lines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
