"""Templates as data an administrator manages: list, show, export, import, validate, install the
shipped ones, create, edit and deactivate — each change checked (``template`` edit access),
audited and written in one transaction.

Checks (:func:`commcentre_tui.comms.template_files.check_record`): known media and language,
``about`` (which record the tags refer to, ``comms.targets.ABOUT``), unknown tags, file access and
other sandbox refusals, and an SMS longer than ``[sms] max_length`` with the tag reference's
example values. A file set with any problem imports nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from commcentre_tui.comms import template_store as store
from commcentre_tui.comms.template_files import check_record, fingerprint, read_files, to_toml
from commcentre_tui.config import Settings
from commcentre_tui.errors import NotFound, ValidationFailed
from commcentre_tui.models import Template
from commcentre_tui.repo import audit
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.locking import bump_version
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext

ENTITY = "template"


@dataclass(frozen=True)
class TemplateRow:
    """One template version as lists and exports show it."""

    id: int
    name: str
    media: str
    language: str
    about: str
    subject: str
    body: str
    active: bool
    version: int
    origin: str | None
    edited: bool
    """A shipped template whose content an administrator has changed."""

    @property
    def state(self) -> str:
        if not self.active:
            return "inactive"
        if self.origin:
            return "shipped, edited" if self.edited else "shipped"
        return "added"

    def record(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in store.FIELDS}

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.record(), "state": self.state, "version": self.version}


def _row(t: Template) -> TemplateRow:
    edited = bool(t.origin) and t.shipped_hash != fingerprint(store.snapshot(t))
    return TemplateRow(
        t.id or 0,
        t.name,
        t.media,
        t.language,
        t.about,
        t.subject,
        t.body,
        t.active,
        t.version,
        t.origin,
        edited,
    )


def list_all(ctx: ServiceContext, *, include_inactive: bool = True) -> list[TemplateRow]:
    """Every template version, by name then language."""
    enforce(ctx.engine, ctx.actor, entity=ENTITY, level="select")
    stmt = select(Template).order_by(col(Template.name), col(Template.language))
    if not include_inactive:
        stmt = stmt.where(col(Template.active).is_(True))
    with reading(ctx.engine) as session:
        return [_row(t) for t in session.execute(stmt).scalars()]


def get(ctx: ServiceContext, template_id: int) -> TemplateRow:
    enforce(ctx.engine, ctx.actor, entity=ENTITY, level="view")
    with reading(ctx.engine) as session:
        template = session.get(Template, template_id)
        if template is None:
            raise NotFound("That template no longer exists.")
        return _row(template)


def find(ctx: ServiceContext, name: str, language: str | None = None) -> list[TemplateRow]:
    """The versions of the template called ``name`` (any case), or just ``language``'s."""
    wanted = name.strip().casefold()
    rows = [
        r for r in list_all(ctx) if r.name.casefold() == wanted and language in (None, r.language)
    ]
    if not rows:
        which = f" in {language}" if language else ""
        raise NotFound(f"There is no template called {name!r}{which}.")
    return rows


def validate(ctx: ServiceContext, record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` checked and normalised (see the module doc); ``ValidationFailed`` names the field."""
    return check_record(record, sms_max=ctx.settings.sms.max_length)


def validate_files(settings: Settings, paths: Iterable[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Every file's checked record (a ``TemplateFileError`` names the file and line); needs no
    database."""
    return read_files(paths, sms_max=settings.sms.max_length)


def export_text(row: TemplateRow) -> str:
    """The file text of one template version (``data/templates`` format)."""
    return to_toml(row.record())


def _audit(
    session: Any,
    ctx: ServiceContext,
    action: str,
    template: Template,
    before: dict[str, Any] | None,
    detail: str = "",
) -> None:
    audit.record(
        session,
        agent_id=ctx.actor.agent_id,
        action=action,
        entity=ENTITY,
        entity_id=template.id,
        before=before,
        after=store.snapshot(template),
        detail=detail or store.label(template),
    )


def _unique(session: Any, record: Mapping[str, Any], template_id: int | None) -> None:
    other = store.find(session, record["name"], record["language"])
    if other is not None and other.id != template_id:
        raise ValidationFailed(
            f"There is already a template called {other.name!r} in {other.language}; edit that one.",
            "name",
        )


def create(ctx: ServiceContext, record: Mapping[str, Any]) -> TemplateRow:
    """Add a template version (audited)."""
    enforce(ctx.engine, ctx.actor, entity=ENTITY, level="edit")
    checked = validate(ctx, record)
    with transaction(ctx.engine) as session:
        _unique(session, checked, None)
        template = store.apply(session, checked)
        _audit(session, ctx, "Create template", template, None)
        return _row(template)


def update(
    ctx: ServiceContext, template_id: int, expected_version: int, record: Mapping[str, Any]
) -> TemplateRow:
    """Save an edited template version (audited); a stale edit is a ``Conflict``."""
    enforce(ctx.engine, ctx.actor, entity=ENTITY, level="edit", entity_id=template_id)
    checked = validate(ctx, record)
    with transaction(ctx.engine) as session:
        template = session.get(Template, template_id)
        if template is None:
            raise NotFound("That template no longer exists.")
        before = store.snapshot(template)
        if (
            all(before[k] == checked[k] for k in store.FIELDS)
            and template.version == expected_version
        ):
            return _row(template)  # nothing changed: nothing written, nothing audited
        _unique(session, checked, template_id)
        bump_version(
            session, template, expected_version, label="template"
        )  # a stale edit: Conflict
        store.apply(session, checked, template, bump=False)
        _audit(session, ctx, "Edit template", template, before)
        return _row(template)


def set_active(
    ctx: ServiceContext, template_id: int, active: bool, expected_version: int | None = None
) -> TemplateRow:
    """Deactivate (or reactivate) a template version (audited). Inactive templates are not
    offered and not sent; installing the shipped ones never reactivates one."""
    enforce(ctx.engine, ctx.actor, entity=ENTITY, level="edit", entity_id=template_id)
    with transaction(ctx.engine) as session:
        template = session.get(Template, template_id)
        if template is None:
            raise NotFound("That template no longer exists.")
        before = store.snapshot(template)
        bump_version(
            session,
            template,
            template.version if expected_version is None else expected_version,
            label="template",
        )
        template.active = active
        session.flush()
        _audit(
            session,
            ctx,
            "Reactivate template" if active else "Deactivate template",
            template,
            before,
        )
        return _row(template)


@dataclass
class ImportReport:
    created: list[str]
    updated: list[str]
    unchanged: list[str]

    def summary(self) -> str:
        return (
            f"Imported templates: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged."
        )


def import_files(ctx: ServiceContext, paths: Iterable[Path]) -> ImportReport:
    """Create or update a template per file (by name and language), all in one transaction; a
    file with a problem raises before anything is written."""
    enforce(ctx.engine, ctx.actor, entity=ENTITY, level="edit")
    files = validate_files(ctx.settings, paths)
    report = ImportReport([], [], [])
    with transaction(ctx.engine) as session:
        changes, report.unchanged = store.import_records(
            session, (record for _path, record in files)
        )
        for template, before in changes:
            (report.updated if before else report.created).append(store.label(template))
            _audit(session, ctx, "Import template", template, before)
    return report


def install_defaults(ctx: ServiceContext, directory: Path | None = None) -> store.InstallReport:
    """Install the shipped templates once: add the missing, update untouched ones, never change
    an edited or deactivated one (one transaction, one audit entry when anything changed)."""
    enforce(ctx.engine, ctx.actor, entity=ENTITY, level="edit")
    with transaction(ctx.engine) as session:
        report = store.install_shipped(session, directory)
        if report.added or report.updated:
            audit.record(
                session,
                agent_id=ctx.actor.agent_id,
                action="Install shipped templates",
                entity=ENTITY,
                detail=report.summary(),
            )
    return report


@dataclass(frozen=True)
class TemplatePreview:
    """A template rendered for one customer (or the tag reference's examples)."""

    who: str
    subject: str
    body: str


def preview(
    ctx: ServiceContext, record: Mapping[str, Any], customer_number: str = "", cancelled: Any = None
) -> TemplatePreview:
    """``record`` (checked first) rendered for the customer ``customer_number`` — about the record
    its ``about`` names, exactly as a bulk send reads it — or with the examples when blank.
    A customer without that record is a ``ValidationFailed`` saying a bulk send skips them."""
    from commcentre_tui.comms.context import T_CONTACT, agent_values, load_batch
    from commcentre_tui.comms.sandbox import Limits
    from commcentre_tui.comms.tags import NAMESPACES, sample_context
    from commcentre_tui.comms.targets import MISSING, record_keys
    from commcentre_tui.comms.templates import render
    from commcentre_tui.models.types import utcnow

    enforce(ctx.engine, ctx.actor, entity=ENTITY, level="view")
    checked = validate(ctx, record)
    limits = Limits.from_settings(ctx.settings)
    number = customer_number.strip().upper()
    if not number:
        context, who = sample_context(), "the tag reference's example values"
    else:
        enforce(ctx.engine, ctx.actor, entity="contact", level="view")
        today = utcnow().date()
        with reading(ctx.engine) as session:
            found = session.execute(
                select(T_CONTACT.c.id).where(T_CONTACT.c.customer_number == number)
            ).scalar()
            if found is None:
                raise ValidationFailed(f"There is no customer {number}.", "customer")
            keys, missing = record_keys(session, checked["about"], [found], today=today)
            if missing:
                raise ValidationFailed(
                    f"{number} has {MISSING[checked['about']]}: a bulk send skips them.", "customer"
                )
            [(info, context)] = load_batch(
                session,
                keys,
                set(NAMESPACES),
                agent=agent_values(session, ctx.actor.agent_id),
                today=today,
            )
        who = f"{info.name} ({info.customer_number})"
    return TemplatePreview(
        who,
        render(checked["subject"], context, field="subject", limits=limits, cancelled=cancelled),
        render(checked["body"], context, field="body", limits=limits, cancelled=cancelled),
    )
