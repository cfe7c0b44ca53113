"""Opening the communication form from the console: the Action Panel openers (registered by
:mod:`~commcentre_tui.screens.comms.register`), reopening a draft (Enter on it, or Complete
Draft; who may is :mod:`~commcentre_tui.services.comm_access`), and offering back an autosaved
communication on start.

Openers take ``(app, context)``; ``context`` is what ``wiring.run_action`` passes (the console's
``app.action_context()`` plus extras): ``communication_id`` (Follow Up), ``bill_id`` (Communicate
Bill, and Create a Communication links to it), ``related_type``/``related_id`` or another
``<kind>_id`` to link a new communication to the selected record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commcentre_tui import zones
from commcentre_tui.controllers.comms.state import (
    FORM,
    MEDIA_LABELS,
    FormRequest,
    request_from_payload,
)
from commcentre_tui.failures import failure_sentence
from commcentre_tui.models import FormDraft
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.support.loading import fetch

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp


def push_form(app: CommCentreApp, request: FormRequest) -> None:
    """Open the communication form for ``request``; a save reloads the customer view (and
    loads the communication's customer when another one is shown)."""

    def done(result: Any) -> None:
        if result is not None and result.contact_id != app.customer_id:
            app.load_customer(result.contact_id)

    app.push_for_customer(app.screen_port.communication_form(request), done)


def open_create(app: CommCentreApp, context: dict[str, Any]) -> None:
    """Create a Communication (linked to the selected record when the context names one)."""
    push_form(app, FormRequest.from_context(app.customer_id, context))


def open_communicate_bill(app: CommCentreApp, context: dict[str, Any]) -> None:
    """Communicate Bill: the bill notification for ``context["bill_id"]`` (else a bill picker
    in the form, latest first)."""
    push_form(app, FormRequest.from_context(app.customer_id, context, mode="bill"))


def open_follow_up(app: CommCentreApp, context: dict[str, Any]) -> None:
    """Follow Up the communication ``context["communication_id"]``; without one, ask which of
    the customer's completed communications."""
    chosen = context.get("communication_id")
    if chosen:
        push_form(app, FormRequest(app.customer_id, "follow_up", communication_id=int(chosen)))
        return
    contact_id = app.customer_id
    if contact_id is None:
        app.notify(
            "Load a customer first, then follow up one of their communications.", severity="warning"
        )
        return

    def completed(ctx: ServiceContext) -> list[tuple[str, str]]:
        from commcentre_tui.repo.care_choices import communication_choices

        return [
            (
                str(c.id),
                f"{zones.local(c.created_at):%Y-%m-%d %H:%M} · {c.direction} "
                f"{MEDIA_LABELS.get(c.media, c.media)} · {c.category} · {c.subject or '(no subject)'}",
            )
            for c in communication_choices(ctx.engine, contact_id)
            if c.state == "completed"
        ]

    def picked(value: str | None) -> None:
        if value:
            push_form(app, FormRequest(contact_id, "follow_up", communication_id=int(value)))

    app.push_screen(
        app.screen_port.pick(
            "Follow Up — which communication?",
            completed,
            empty="This customer has no completed communication to follow up.",
        ),
        picked,
    )


def open_communication(app: CommCentreApp, communication_id: int) -> None:
    """Reopen the draft communication ``communication_id`` to complete it (Save) or keep
    editing it (Save as Draft). A completed one is refused with a sentence (use Follow Up)."""
    push_form(app, FormRequest(app.customer_id, "draft", communication_id=communication_id))


def view_communication(app: CommCentreApp, communication_id: int) -> None:
    """Enter or ``v`` on a communication: a draft the agent may complete opens in the form
    (Save completes it, Save as Draft keeps it); anything else opens read-only — with the reason
    when it is a draft they may not complete (another agent's)."""
    from commcentre_tui.repo.customer_detail import RecordRef
    from commcentre_tui.services.comm_access import draft_access

    def show(editable: bool, why: str) -> None:
        if editable:
            open_communication(app, communication_id)
            return
        app.push_screen(app.screen_port.record_view(RecordRef("communication", communication_id)))
        if why:
            app.notify(why, title="Communication", severity="warning", markup=False)

    def read_only(_exc: BaseException) -> bool:
        show(False, "")  # the read-only view says what went wrong
        return True

    ctx = ServiceContext(app.engine, app.settings, app.actor)
    fetch(
        app,
        lambda: draft_access(ctx, communication_id),
        lambda access: show(*access),
        group="comm-open",
        what="opening the communication",
        on_error=read_only,
    )


def draft_label(row: Any, me: int | None) -> str:
    """One line of the Complete Draft list: when, direction, media, category and subject (and
    the author when a supervisor lists someone else's)."""
    author = f" · by {row.author}" if row.agent_id not in (None, me) and row.author else ""
    return (
        f"{zones.local(row.created_at):%Y-%m-%d %H:%M} · {row.direction} {MEDIA_LABELS.get(row.media, row.media)} · "
        f"{row.category} · {row.subject or '(no subject)'}{author}"
    )


def open_complete_draft(app: CommCentreApp, context: dict[str, Any]) -> None:
    """Complete Draft: the highlighted communication when it is a draft the agent may complete,
    else their drafts for the loaded customer (one opens at once; several are listed)."""
    contact_id, chosen = app.customer_id, context.get("communication_id")
    if contact_id is None:
        app.notify("Load a customer first, then complete one of their drafts.", severity="warning")
        return

    def listed(ctx: ServiceContext) -> list[tuple[str, str]]:
        from commcentre_tui.repo.draft_queries import open_drafts
        from commcentre_tui.services.comm_access import draft_access

        if chosen and draft_access(ctx, int(chosen))[0]:
            return [(str(chosen), "")]
        return [
            (str(r.id), draft_label(r, ctx.actor.agent_id))
            for r in open_drafts(ctx.engine, ctx.actor, contact_id)
        ]

    def loaded(items: list[tuple[str, str]]) -> None:
        if len(items) == 1:
            open_communication(app, int(items[0][0]))
        elif not items:
            app.notify(
                "This customer has no draft communication you can complete.", title="Complete Draft"
            )
        else:
            app.push_screen(
                app.screen_port.pick("Complete Draft — which draft?", lambda _ctx: items, empty=""),
                picked,
            )

    def picked(value: str | None) -> None:
        if value:
            open_communication(app, int(value))

    def failed(exc: BaseException) -> bool:
        message = failure_sentence(exc, "looking for drafts")
        app.notify(message, title="Complete Draft", severity="error")
        return True  # one sentence, nothing opens

    ctx = ServiceContext(app.engine, app.settings, app.actor)
    fetch(
        app,
        lambda: listed(ctx),
        loaded,
        group="comm-open",
        what="looking for drafts",
        on_error=failed,
    )


def restore_question(draft: FormDraft) -> str:
    """ "Restore your unsaved communication …?" for an autosaved form."""
    customer = (draft.payload or {}).get("customer") or "a customer"
    return (
        f"Restore your unsaved communication for {customer} "
        f"(last typed {zones.local(draft.updated_at):%Y-%m-%d %H:%M})? Discard deletes it."
    )


def open_restored(app: CommCentreApp, draft: FormDraft) -> None:
    """Load the autosaved communication's customer and open its form with the typed values."""
    if draft.contact_id is not None and draft.contact_id != app.customer_id:
        app.load_customer(draft.contact_id)
    push_form(app, request_from_payload(draft.contact_id, draft.payload or {}))


def offer_unsaved_drafts(app: CommCentreApp) -> None:
    """On start: if the agent has an autosaved, unsaved communication, ask "Restore your
    unsaved communication?" — Restore reopens it, Discard deletes it. Call from the UI loop
    (e.g. the app's ``on_mount``); the lookup runs in a thread worker."""
    from commcentre_tui.services import communications as svc

    if getattr(app.actor, "agent_id", None) is None:
        return

    def found(draft: FormDraft | None) -> None:
        if draft is not None:
            _ask(app, draft)

    ctx = ServiceContext(app.engine, app.settings, app.actor)
    fetch(
        app,
        lambda: svc.load_form_draft(ctx, FORM),
        found,
        group="comm-restore",
        what="reading the unsaved communication",
        on_error=lambda _exc: True,  # nothing to offer when it cannot be read
    )


def _ask(app: CommCentreApp, draft: FormDraft) -> None:
    from commcentre_tui.services import communications as svc

    def answered(restore: bool | None) -> None:
        if restore:
            open_restored(app, draft)
            return
        ctx = ServiceContext(app.engine, app.settings, app.actor)
        app.run_worker(
            lambda: svc.discard_form_draft(ctx, FORM),
            thread=True,
            group="comm-restore",
            exit_on_error=False,
        )
        app.notify("The unsaved communication was discarded.", markup=False)

    app.push_screen(
        app.screen_port.confirm(restore_question(draft), yes="Restore", no="Discard"), answered
    )
