"""Template records in the database: install the shipped ones, import files, save one.

Each function runs in the caller's transaction (the services add the permission check and the
audit entry). A shipped template remembers the file it came from (``origin``) and the
fingerprint of its content then (``shipped_hash``): installing again adds the missing ones,
brings untouched ones up to the shipped version and never changes an edited (or deactivated)
one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import column as sql_column
from sqlalchemy import insert, inspect, select
from sqlalchemy import table as sql_table
from sqlmodel import Session, col

from commcentre_tui.comms.template_files import fingerprint, read_files, shipped_templates_dir
from commcentre_tui.models import Template
from commcentre_tui.models.types import utcnow

FIELDS = ("name", "media", "language", "about", "subject", "body", "active")


@dataclass
class InstallReport:
    """What installing the shipped templates did (template labels such as "Overdue reminder (el)")."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Shipped templates an administrator has edited: left as they are."""

    def summary(self) -> str:
        parts = [f"added {len(self.added)}", f"updated {len(self.updated)}"]
        if self.kept:
            parts.append(f"kept {len(self.kept)} edited ({', '.join(self.kept[:5])})")
        return "Shipped templates: " + ", ".join(parts) + "."


def label(record: Any) -> str:
    """``"Overdue reminder (el)"``."""
    get = record.get if isinstance(record, Mapping) else lambda k: getattr(record, k)
    return f"{get('name')} ({get('language')})"


def snapshot(template: Template) -> dict[str, Any]:
    """The editable fields of ``template`` (for the audit trail and exports)."""
    return {key: getattr(template, key) for key in FIELDS}


def _shipped(directory: Path | None) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.name.removesuffix(".toml"), record)
        for path, record in read_files([directory or shipped_templates_dir()])
    ]


def install_shipped(session: Session, directory: Path | None = None) -> InstallReport:
    """Install the shipped templates (see the module doc); idempotent."""
    report = InstallReport()
    columns = {c["name"] for c in inspect(session.connection()).get_columns("template")}
    if (
        "origin" not in columns
    ):  # an older schema (the upgrade check seeds one): add the missing only
        return _install_legacy(session, directory, columns, report)
    rows = list(session.execute(select(Template)).scalars())
    by_origin = {t.origin: t for t in rows if t.origin}
    by_key = {(t.name.casefold(), t.language): t for t in rows}
    for origin, record in _shipped(directory):
        shipped_hash = fingerprint(record)
        current = by_origin.get(origin) or by_key.get(
            (record["name"].casefold(), record["language"])
        )
        if current is None:
            session.add(Template(**record, origin=origin, shipped_hash=shipped_hash))
            report.added.append(label(record))
            continue
        now_hash = fingerprint(snapshot(current))
        if now_hash == shipped_hash:  # the same content: just remember where it came from
            if current.origin != origin or current.shipped_hash != shipped_hash:
                current.origin, current.shipped_hash = origin, shipped_hash
            continue
        if not current.active:
            continue  # deactivated by an administrator: stays so
        if (
            current.origin == origin and current.shipped_hash == now_hash
        ):  # untouched: the new version
            for key in ("name", "media", "language", "about", "subject", "body"):
                setattr(current, key, record[key])
            current.shipped_hash, current.version = shipped_hash, current.version + 1
            report.updated.append(label(record))
        else:
            report.kept.append(label(current))
    session.flush()
    return report


def _install_legacy(
    session: Session, directory: Path | None, columns: set[str], report: InstallReport
) -> InstallReport:
    table = Template.__table__  # type: ignore[attr-defined]  # SQLModel's stubs do not declare __table__ (the metaclass sets it)
    existing = set(session.execute(select(table.c.name, table.c.language)).tuples())
    for _origin, record in _shipped(directory):
        if (record["name"], record["language"]) in existing:
            continue
        row = {k: v for k, v in {**record, "created_at": utcnow()}.items() if k in columns}
        bare = sql_table(
            "template", *(sql_column(k) for k in row)
        )  # no defaults for absent columns
        session.execute(insert(bare).values(**row))
        report.added.append(label(record))
    return report


def find(session: Session, name: str, language: str) -> Template | None:
    """The template called ``name`` (any case) in ``language``, active or not."""
    wanted = name.strip().casefold()
    rows = session.execute(select(Template).where(col(Template.language) == language)).scalars()
    return next((t for t in rows if t.name.casefold() == wanted), None)


def apply(
    session: Session,
    record: Mapping[str, Any],
    template: Template | None = None,
    *,
    bump: bool = True,
) -> Template:
    """Write the checked ``record`` into ``template`` (a new one when ``None``; ``bump`` its
    version); the other language versions of the name take the same ``about``."""
    if template is None:
        template = Template(**{k: record[k] for k in FIELDS})
        session.add(template)
    else:
        for key in FIELDS:
            setattr(template, key, record[key])
        if bump:
            template.version += 1
    session.flush()
    same_name = session.execute(select(Template).where(col(Template.id) != template.id)).scalars()
    for other in same_name:
        if other.name.casefold() == template.name.casefold() and other.about != template.about:
            other.about = template.about
            other.version += 1
    return template


def import_records(
    session: Session, records: Iterable[Mapping[str, Any]]
) -> tuple[list[tuple[Any, Any]], list[str]]:
    """Create or update a template per record (by name and language). Returns the changes as
    ``(before, after)`` snapshots (``before`` is ``None`` for a new one) and the unchanged labels."""
    changes: list[tuple[Any, Any]] = []
    unchanged: list[str] = []
    for record in records:
        current = find(session, record["name"], record["language"])
        before = snapshot(current) if current is not None else None
        if before is not None and all(before[k] == record[k] for k in FIELDS):
            unchanged.append(label(record))
            continue
        template = apply(session, record, current)
        changes.append((template, before))
    return changes, unchanged
