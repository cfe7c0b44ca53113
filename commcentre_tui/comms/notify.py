"""Bulk notifications: render a template for every contact of a segment and queue the messages.

The segment (or the console's search results) says WHO; the template says what each message is
about — its ``about`` (the overdue bill, the newest subscription …), by the one rule of
:mod:`.targets`, for the CLI and the console alike. A customer without that record is skipped
with the reason ("C0000004 has no overdue bill."), never sent a message built from another one.

Per contact: opt-outs for the template's media are counted and skipped (never sent); the
template version is the contact's preferred language, else English; a message that cannot be
rendered (a tag with no value for that customer) or an SMS over ``[sms] max_length`` is counted
with its reason and skipped. Everything else becomes a completed outgoing communication plus its
queue entry, written together in one transaction per chunk (the outbox), with set-based reads and
executemany inserts — no ORM object per row; the next chunk's reads and the previous chunk's
writes run in two threads while a chunk renders. A run stopped half-way keeps the chunks already
committed (the report says how many were queued).

The console's "Notify these results" passes its own ``contact_ids`` (the contacts a search
found) and ``one_transaction=True``: every message of the run is queued in
a single transaction, or none is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from email.utils import parseaddr
from typing import Any, NamedTuple

from sqlalchemy import Engine, select

from commcentre_tui.comms.bulk_gc import fewer_collections
from commcentre_tui.comms.context import T_CONTACT, ContactInfo, agent_values, ids_in, load_batch
from commcentre_tui.comms.notify_report import NotifyReport, Sample
from commcentre_tui.comms.segments import segment_contacts, segment_ids
from commcentre_tui.comms.targets import DEFAULT_ABOUT, MISSING, record_keys
from commcentre_tui.comms.templates import (
    BudgetExceeded,
    Limits,
    TemplateError,
    compile_template,
    pick_version,
    render_compiled,
    tags_used,
    template_versions,
)
from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo import audit
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.outbox_writes import enqueue, insert_communications
from commcentre_tui.repo.permissions import Actor, check

QUEUED_MEDIA = ("email", "sms")


class _Version(NamedTuple):
    """What the bulk loop needs of a template version (no ORM attribute access per row)."""

    id: int
    name: str
    media: str
    language: str
    has_subject: bool


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def notify(
    engine: Engine,
    settings: Settings,
    actor: Actor,
    *,
    template: str,
    segment: str,
    contact_ids: Sequence[int] | None = None,
    one_transaction: bool = False,
    since: date | None = None,
    today: date | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = 2000,
    samples: int = 3,
    category: str = "Notification",
) -> NotifyReport:
    """Render ``template`` for each contact of ``segment`` and queue it (see the module doc).

    With ``contact_ids``, those contacts are the audience and ``segment`` only names them in the
    report. What each message is about follows the template's ``about`` (:mod:`.targets`).
    ``one_transaction`` writes everything at the end in one transaction (all or nothing).
    ``progress(done, total)`` is called after each chunk. Raises ``ValidationFailed`` for an
    unknown template or segment, or a template with an unknown tag (before anything is queued).
    """
    check(actor, entity="communication", level="edit", action="Create a Communication")
    started = time.perf_counter()
    today = today or utcnow().date()
    with reading(engine) as session:
        versions = template_versions(session, template)
        if not versions:
            raise ValidationFailed(f"There is no active template called {template!r}.", "template")
        compiled = {
            lang: (
                _Version(t.id or 0, t.name, t.media, t.language, bool(t.subject)),
                compile_template(t.subject, field="subject"),
                compile_template(t.body, field="body"),
            )
            for lang, t in versions.items()
        }
        media = {t.media for t in versions.values()}
        needs = tags_used(
            *(t.subject for t in versions.values()), *(t.body for t in versions.values())
        )
        main = pick_version(versions, None)
        about = getattr(main, "about", None) or DEFAULT_ABOUT
        if contact_ids is None:
            within = segment_contacts(segment, today=today, since=since)
            contact_ids = segment_ids(session, segment, today=today, since=since)
        else:
            within = None
        keys, missing = record_keys(session, about, contact_ids, today=today, within=within)
        missing_numbers = _customer_numbers(session, missing[:10])
        # Sent by the system (the CLI operator): sign with the configured sender's name.
        agent = agent_values(session, actor.agent_id) or {
            "name": parseaddr(settings.email.sender)[0] or "Customer Care",
            "username": actor.username,
        }
    report = NotifyReport(
        template=next(iter(versions.values())).name,
        segment=segment,
        dry_run=dry_run,
        matched=len(keys) + len(missing),
        no_record=len(missing),
        missing=MISSING.get(about, ""),
    )
    report.contact_ids = list(contact_ids)
    for number in missing_numbers:
        _problem(report, f"{number} has {report.missing}.")
    sms_max = settings.sms.max_length
    limits = Limits.from_settings(settings)
    done = 0
    held: list[dict[str, Any]] = []  # one_transaction: every row, written once at the end

    def load(chunk: Sequence[Any]) -> list[tuple[ContactInfo, dict[str, Any]]]:
        with reading(engine) as session:
            return load_batch(session, chunk, needs, agent=agent, today=today, media=media)

    chunks = _chunks(keys, chunk_size)
    # In threads (the drivers release the GIL while the database works): writing chunk i and
    # reading chunk i+2 overlap rendering chunk i+1.
    with (
        fewer_collections(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify-write") as writer,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify-read") as reader,
    ):
        writing: Future[None] | None = None
        ahead: Future[list[tuple[ContactInfo, dict[str, Any]]]] | None = None
        counts = (0, 0)
        for i, chunk in enumerate(chunks):
            loaded = load(chunk) if ahead is None else ahead.result()
            ahead = reader.submit(load, chunks[i + 1]) if i + 1 < len(chunks) else None
            rows: list[dict[str, Any]] = []
            for key, (info, context) in zip(chunk, loaded, strict=True):
                row = _render_one(report, compiled, info, context, sms_max, samples, limits)
                if row is not None:
                    row.update(contact_id=info.id, agent_id=actor.agent_id, category=category)
                    related = _related(about, key)
                    if related is not None:
                        row.update(related_type=related[0], related_id=related[1])
                    rows.append(row)
            if writing is not None:
                writing.result()  # the previous chunk is committed (or its error raised here)
                _count(report, *counts)
            if one_transaction and not dry_run:
                held.extend(rows)
                rows = []
            queued = sum(1 for r in rows if r["media"] in QUEUED_MEDIA)
            counts = (queued, len(rows) - queued)
            writing = None if dry_run or not rows else writer.submit(_write, engine, rows)
            if writing is None:
                _count(report, *counts)
            done += len(chunk)
            if progress is not None:
                progress(done + len(missing), report.matched)
        if writing is not None:
            writing.result()
            _count(report, *counts)
    if held:
        queued = sum(1 for r in held if r["media"] in QUEUED_MEDIA)
        _count(report, queued, len(held) - queued)
    report.seconds = time.perf_counter() - started
    if not dry_run:
        # With one_transaction, the messages, their queue entries and this entry commit together.
        _write(engine, held, audit_entry=(actor.agent_id, report.summary()))
    return report


def _render_one(
    report: NotifyReport,
    compiled: dict[str, Any],
    info: ContactInfo,
    context: dict[str, Any],
    sms_max: int,
    samples: int,
    limits: Limits | None = None,
) -> dict[str, Any] | None:
    """The communication row for one contact, or ``None`` (counted in ``report``). A template
    over the render budget (``comms.sandbox``) stops the whole run with that sentence."""
    template, subject_t, body_t = pick_version(compiled, info.language)  # type: ignore[misc]  # never None: compiled holds every version and the caller refuses a template without one
    media = template.media
    if info.opted_out(media):
        report.opted_out += 1
        return None
    recipient = info.recipient(media) or (
        context["contact"].get("address") if media == "letter" else None
    )
    if not recipient:
        report.no_address += 1
        _problem(
            report,
            f"{info.customer_number} has no {'phone number' if media == 'sms' else media + ' address'}.",
        )
        return None
    try:
        subject = (
            render_compiled(subject_t, context, field="subject", limits=limits)
            if template.has_subject
            else ""
        )
        content = render_compiled(body_t, context, limits=limits)
    except BudgetExceeded:
        raise
    except TemplateError as exc:
        report.not_rendered += 1
        _problem(report, f"{info.customer_number}: {exc}")
        return None
    if media == "sms" and len(content) > sms_max:
        report.not_rendered += 1
        _problem(
            report,
            f"{info.customer_number}: the SMS has {len(content)} characters; the limit is {sms_max}.",
        )
        return None
    report.languages[template.language] += 1
    if len(report.samples) < samples:
        report.samples.append(
            Sample(info.customer_number, info.name, recipient, template.language, subject, content)
        )
    queued = media in QUEUED_MEDIA
    return {
        "direction": "outgoing",
        "media": media,
        "subject": subject,
        "content": content,
        "recipient": recipient,
        "state": "completed",
        "delivery": "queued" if queued else None,
        "template_id": template.id,
    }


def _related(about: str, key: Any) -> tuple[str, int] | None:
    """What the communication relates to: the record the template is about."""
    if about.endswith("bill") and key.bill_id:
        return "bill", key.bill_id
    if about == "newest subscription" and key.subscription_id:
        return "subscription", key.subscription_id
    if key.account_id:
        return "account", key.account_id
    return None


def _customer_numbers(session: Any, contact_ids: Sequence[int]) -> list[str]:
    """The customer numbers of ``contact_ids``, in that order (to name skipped customers)."""
    if not contact_ids:
        return []
    c = T_CONTACT.c
    numbers = dict(
        session.execute(
            select(c.id, c.customer_number).where(ids_in(session, c.id, contact_ids))
        ).all()
    )
    return [numbers[cid] for cid in contact_ids if cid in numbers]


def _count(report: NotifyReport, queued: int, logged: int) -> None:
    report.queued += queued
    report.logged += logged


def _problem(report: NotifyReport, text: str) -> None:
    if len(report.problems) < 10:
        report.problems.append(text)


def _write(
    engine: Engine, rows: list[dict[str, Any]], audit_entry: tuple[int | None, str] | None = None
) -> None:
    """One transaction: the communications and their queue entries (the outbox write), and the
    run's audit entry (``(agent_id, summary)``) when given."""
    now = utcnow()
    for row in rows:
        row["completed_at"] = now
    with transaction(engine) as session:
        if rows:
            ids = insert_communications(session, rows, now)
            enqueue(
                session,
                [i for i, r in zip(ids, rows, strict=True) if r["media"] in QUEUED_MEDIA],
                now,
            )
        if audit_entry is not None:
            audit.record(
                session,
                agent_id=audit_entry[0],
                action="Bulk notification",
                entity="communication",
                detail=audit_entry[1],
            )
