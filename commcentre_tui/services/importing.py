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
from commcentre_tui.repo.import_contacts import ContactStore, Existing
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
from commcentre_tui.services.importing_rerun import Fingerprints
from commcentre_tui.services.importing_rows import Problem, Row, RowChecker
from commcentre_tui.services.importing_write import Writer, difference

CHUNK = 2000

Progress = Callable[[int, int], None]
"""``progress(bytes read, file size)``."""


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
            job = _Job(options, result, store, problems, checker)
            pending: list[tuple[int, list[str]]] = []
            for record in records:
                result.rows += 1
                pending.append(record)
                if len(pending) >= CHUNK:
                    job.take(pending)
                    pending = []
                    tick()
            job.take(pending)
            tick()
            if options.dry_run or (result.problems and not options.skip_invalid):
                transaction.rollback()
                return
            store.finish()
            job.writer.finish(result)
        result.written = True
    finally:
        conn.close()


class _Job:
    """Matching and writing, a chunk at a time."""

    def __init__(
        self,
        options: ImportOptions,
        result: ImportResult,
        store: ContactStore,
        problems: Problems,
        checker: RowChecker,
    ) -> None:
        self.options = options
        self.result = result
        self.store = store
        self.problems = problems
        self.checker = checker
        self.fingerprints = Fingerprints(checker.mapping, checker.custom_defs, checker.region)
        self.seen: dict[str, int] = {}
        self.user = _os_user()
        self.writer = Writer(store, options, datetime.now(UTC), self.user)

    @property
    def writing(self) -> bool:
        """Whether rows are written: not in a dry run, nor once a problem dooms the import."""
        o = self.options
        return not o.dry_run and not (self.result.problems and not o.skip_invalid)

    def take(self, records: list[tuple[int, list[str]]]) -> None:
        """Check, match and write a chunk of records; a row already imported as it is (its
        mark, :mod:`.importing_rerun`) is counted unchanged without more work."""
        if not records:
            return
        chunk: list[Row] = []
        for (line, values), seen in zip(
            records, self.fingerprints.look_up(self.store, records), strict=True
        ):
            if seen is not None and seen.unchanged:
                found = self._seen_external_id(line, values)
                if not found:
                    self.result.unchanged += 1
                    continue
            else:
                row, found = self.checker.check(line, values)
                if row is not None:
                    row.seen = seen
                    found = self.in_file(row)
                    if not found:
                        chunk.append(row)
                        continue
            self.problems.add(found, values)
        self.resolve(chunk)

    def _seen_external_id(self, line: int, values: list[str]) -> list[Problem]:
        column = self.checker.mapping.fields["external_id"]
        value = values[column].strip()
        earlier = self.seen.get(f"ext:{value}")
        if earlier is None:
            self.seen[f"ext:{value}"] = line
            return []
        return [
            (
                line,
                self.checker.mapping.headers[column],
                f"The same external id ({value}) as line {earlier}; a customer is one row.",
            )
        ]

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
            change = difference(row, target, held)
            if not change:
                self.result.unchanged += 1
                if self.writing:
                    self.writer.unchanged(row, target)
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
        held: Existing,
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
        if rows:
            self.result.created += len(rows)
            if self.writing:
                self.writer.insert(rows)

    def _update(self, updates: list[tuple[Row, int, dict[str, Any]]], held: Existing) -> None:
        if updates:
            self.result.updated += len(updates)
            if self.writing:
                self.writer.update(updates, held)


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
