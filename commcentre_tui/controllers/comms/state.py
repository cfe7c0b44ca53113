"""The communication form's data, without Textual: what an opener asks for
(:class:`FormRequest`), what the form loads before it shows (:func:`load_setup`, blocking — call
it from a worker), how the typed values become a service call (:func:`submit`) and what autosave
keeps (:func:`autosave_payload`).

Form values are strings keyed by :data:`FIELDS`; ``related`` is ``"kind:id"`` (e.g. ``bill:42``)
and ``template`` a template id, blank for none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from commcentre_tui import zones
from commcentre_tui.errors import NotFound, RuleViolation
from commcentre_tui.models import Communication, FormDraft
from commcentre_tui.repo.actor_lookup import COMMUNICATION_FORM
from commcentre_tui.services import communications as svc
from commcentre_tui.services.context import ServiceContext

FORM = COMMUNICATION_FORM  # the form's autosave key, as the screens and openers import it
Mode = Literal["new", "draft", "follow_up", "bill"]
TITLES: dict[str, str] = {
    "new": "Create a Communication",
    "draft": "Complete a Communication",
    "follow_up": "Follow Up",
    "bill": "Communicate Bill",
}
FIELDS = (
    "direction",
    "media",
    "category",
    "recipient",
    "template",
    "subject",
    "content",
    "related",
    "shared_notes",
)
#: Service error keys that belong to another form field.
ERROR_KEYS = {"related_type": "related", "related_id": "related", "template_id": "template"}
#: Context keys an opener may pass to link a new communication to a record (most specific first).
RELATED_KEYS = (
    "bill_id",
    "payment_id",
    "job_id",
    "activity_id",
    "service_request_id",
    "case_id",
    "lead_id",
    "subscription_id",
    "account_id",
)
BILL_TEMPLATE = "Bill notification"
MEDIA_LABELS = {
    "email": "Email",
    "sms": "SMS",
    "phone": "Phone",
    "letter": "Letter",
    "chat": "Chat",
}


@dataclass
class FormRequest:
    """What to open: a new communication, a draft to complete, a follow-up or a bill's email."""

    contact_id: int | None
    mode: Mode = "new"
    communication_id: int | None = None
    """The draft to reopen (``draft``) or the communication to follow up (``follow_up``)."""
    bill_id: int | None = None
    related: str | None = None
    """``"kind:id"`` to link a new communication to (e.g. the record it was created from)."""
    restore: dict[str, str] | None = None
    """Autosaved values to put back (the form then does not offer the autosave again)."""

    @classmethod
    def from_context(
        cls, contact_id: int | None, context: dict[str, Any], mode: Mode = "new"
    ) -> FormRequest:
        """A request from the Action Panel's context (``related_type``/``related_id``, or a
        selected record such as ``bill_id``)."""
        related = None
        if context.get("related_type") and context.get("related_id"):
            related = f"{context['related_type']}:{int(context['related_id'])}"
        else:
            key = next((k for k in RELATED_KEYS if context.get(k)), None)
            if key is not None:
                related = f"{key.removesuffix('_id')}:{int(context[key])}"
        bill_id = context.get("bill_id")
        return cls(contact_id, mode, bill_id=int(bill_id) if bill_id else None, related=related)


@dataclass
class FormSetup:
    """Everything the form shows, loaded in one worker."""

    request: FormRequest
    contact_id: int
    customer: str
    recipients: dict[str, list[tuple[str, str]]]
    """Media → (value, label) of the contact's addresses for it, primary first."""
    related: list[tuple[str, str]]
    templates: list[tuple[str, str, str]]
    """(id, label, media) — one per template name; the customer's language is picked on render."""
    categories: list[str]
    values: dict[str, str]
    base: dict[str, Any] = field(default_factory=dict)
    """Service input the form does not show (visibility, call times …), kept on save."""
    version: int | None = None
    note: str = ""
    template_error: str = ""
    pending: FormDraft | None = None
    """An autosaved communication to offer back when the form opens."""

    @property
    def mode(self) -> Mode:
        return self.request.mode

    @property
    def title(self) -> str:
        return f"{TITLES[self.mode]} · {self.customer}"


def _values_of(data: dict[str, Any]) -> dict[str, str]:
    """Form values from service input (``reopen_draft`` / ``follow_up_defaults``)."""
    values = {name: str(data.get(name) or "") for name in FIELDS}
    if data.get("related_type") and data.get("related_id"):
        values["related"] = f"{data['related_type']}:{data['related_id']}"
    values["template"] = str(data.get("template_id") or "")
    return values


def to_input(values: dict[str, str]) -> dict[str, Any]:
    """Service input (``CommunicationInput`` fields) from form values."""
    kind, _, rid = (values.get("related") or "").partition(":")
    template = values.get("template") or ""
    return {
        "direction": values.get("direction") or "outgoing",
        "media": values.get("media") or "email",
        "category": values.get("category") or "General",
        "recipient": values.get("recipient") or "",
        "subject": values.get("subject") or "",
        "content": values.get("content") or "",
        "shared_notes": values.get("shared_notes") or "",
        "related_type": kind or None,
        "related_id": int(rid) if rid.isdigit() else None,
        "template_id": int(template) if template.isdigit() else None,
    }


def _recipients(
    ctx: ServiceContext, contact_id: int
) -> tuple[str, dict[str, list[tuple[str, str]]]]:
    from commcentre_tui.repo.customer_info import contact_info

    info = contact_info(ctx.engine, contact_id)
    emails = sorted(info.emails, key=lambda e: not e.is_primary)
    phones = sorted(info.phones, key=lambda p: not p.is_primary)
    addresses = sorted(info.addresses, key=lambda a: not a.is_primary)

    def main(item: Any) -> str:
        return " · primary" if item.is_primary else ""

    phone_list = [(p.e164 or p.number, f"{p.number} ({p.kind}{main(p)})") for p in phones]
    letters = [
        (
            ", ".join(x for x in (a.street, a.postal_code, a.city, a.country) if x),
            f"{a.kind}{main(a)}",
        )
        for a in addresses
    ]
    recipients = {
        "email": [(e.address, f"{e.address} ({e.kind}{main(e)})") for e in emails],
        "sms": phone_list,
        "phone": phone_list,
        "letter": [(value, f"{value} ({label})") for value, label in letters],
        "chat": [],
    }
    return f"{info.display_name} ({info.customer_number})", recipients


def _related(
    ctx: ServiceContext, contact_id: int, *, bills_only: bool = False
) -> list[tuple[str, str]]:
    from commcentre_tui.repo.care_choices import related_choices
    from commcentre_tui.repo.finance_queries import accounts_of_contact, bills_of_account

    bills = [
        (
            f"bill:{b.id}",
            f"Bill {b.number} · {b.amount} due {b.due_date:%Y-%m-%d} · {b.status.replace('_', ' ')}",
        )
        for account in accounts_of_contact(ctx.engine, contact_id)
        for b in bills_of_account(ctx.engine, account.id or 0, limit=24)
    ]
    if bills_only:
        return bills
    others = [
        (f"{r.kind}:{r.id}", r.label) for r in related_choices(ctx.engine, ctx.actor, contact_id)
    ]
    return others + bills


def _templates(ctx: ServiceContext) -> list[tuple[str, str, str]]:
    chosen: dict[str, Any] = {}
    for template in svc.list_templates(ctx):
        if template.name not in chosen or template.language == "en":
            chosen[template.name] = template
    return [
        (str(t.id), f"{t.name} ({MEDIA_LABELS.get(t.media, t.media)})", t.media)
        for t in chosen.values()
    ]


def _defaults(ctx: ServiceContext, request: FormRequest) -> dict[str, str]:
    categories = ctx.settings.communications.categories
    values = dict.fromkeys(FIELDS, "")
    values.update(
        direction="outgoing",
        media="email",
        category="General" if "General" in categories else categories[0],
        related=request.related or "",
    )
    if request.mode == "bill":
        values["category"] = "Billing" if "Billing" in categories else values["category"]
    return values


def load_setup(ctx: ServiceContext, request: FormRequest) -> FormSetup:
    """Load the form (blocking). Raises the service errors (e.g. following up a draft)."""
    base: dict[str, Any] = {}
    version, note, contact_id = None, "", request.contact_id
    if request.mode == "draft" and request.communication_id is not None:
        try:
            base = svc.reopen_draft(ctx, request.communication_id)
        except (RuleViolation, NotFound):
            if request.restore is None:
                raise
            request.mode, note = (
                "new",
                "The draft was completed meanwhile: saving creates a new communication.",
            )
        else:
            version, contact_id = base.pop("version"), base["contact_id"]
            note = "A draft: Save completes it, Save as Draft keeps it a draft."
    elif request.mode == "follow_up" and request.communication_id is not None:
        base = svc.follow_up_defaults(ctx, request.communication_id)
        original = svc.get_communication(ctx, request.communication_id)
        contact_id = base["contact_id"]
        note = (
            f"Follows up the {original.direction} {MEDIA_LABELS.get(original.media, original.media).lower()} "
            f"of {zones.local(original.created_at):%Y-%m-%d %H:%M} · {original.subject or original.category}"
        )
    if contact_id is None:
        raise RuleViolation("Load a customer first, then open the communication.")
    values = _values_of(base) if base else _defaults(ctx, request)
    customer, recipients = _recipients(ctx, contact_id)
    related = _related(ctx, contact_id, bills_only=request.mode == "bill")
    if request.mode == "bill":
        note = "Check the template and the email address, edit the text if needed, then Save to send it."
        if not related:
            raise RuleViolation("This customer has no bills to communicate.")
        wanted = f"bill:{request.bill_id}" if request.bill_id else ""
        values["related"] = wanted if any(v == wanted for v, _ in related) else related[0][0]
    setup = FormSetup(
        request,
        contact_id,
        customer,
        recipients,
        related,
        _templates(ctx),
        list(ctx.settings.communications.categories),
        values,
        base,
        version,
        note,
    )
    if not values["recipient"] and recipients.get(values["media"]):
        values["recipient"] = recipients[values["media"]][0][0]
    if request.mode == "bill" and not request.restore:
        _render_bill_template(ctx, setup)
    if request.restore:
        values.update(
            {k: str(v) for k, v in request.restore.items() if k in FIELDS and v is not None}
        )
    else:
        setup.pending = svc.load_form_draft(ctx, FORM) if ctx.actor.agent_id is not None else None
    return setup


def _render_bill_template(ctx: ServiceContext, setup: FormSetup) -> None:
    """Communicate Bill: the bill notification rendered for the bill, ready to edit."""
    from commcentre_tui.comms.templates import TemplateError

    emails = [t for t in setup.templates if t[2] == "email"]
    template = next(
        (t for t in emails if t[1].startswith(BILL_TEMPLATE)), emails[0] if emails else None
    )
    if template is None:
        return
    setup.values["template"] = template[0]
    kind, _, rid = setup.values["related"].partition(":")
    try:
        rendered = svc.render_template_for(ctx, int(template[0]), setup.contact_id, kind, int(rid))
    except TemplateError as exc:
        setup.template_error = str(exc)
        return
    setup.values.update(subject=rendered.subject, content=rendered.content.strip("\n"))


def submit(
    ctx: ServiceContext,
    setup: FormSetup,
    values: dict[str, str],
    *,
    draft: bool,
    discard_autosave: bool = False,
) -> Communication:
    """Save as Draft (``draft``) or Save: the service call for the form's mode (blocking).
    ``discard_autosave`` deletes the form's autosaved copy in the same transaction."""
    data = {**setup.base, **to_input(values), "contact_id": setup.contact_id}
    request, discard = setup.request, FORM if discard_autosave else None
    if setup.mode == "draft" and request.communication_id is not None:
        return svc.save_draft(
            ctx,
            request.communication_id,
            data,
            expected_version=setup.version,
            complete=not draft,
            discard_autosave=discard,
        )
    if setup.mode == "follow_up" and request.communication_id is not None:
        data.pop("follow_up_of_id", None)
        notes = data.pop("shared_notes", "")
        return svc.follow_up(
            ctx,
            request.communication_id,
            shared_notes=notes,
            draft=draft,
            discard_autosave=discard,
            **data,
        )
    return svc.create_communication(ctx, data, draft=draft, discard_autosave=discard)


def autosave_payload(setup: FormSetup, values: dict[str, str]) -> dict[str, Any]:
    """What autosave keeps: enough to reopen the same form with the typed values."""
    request = setup.request
    return {
        "mode": request.mode,
        "communication_id": request.communication_id,
        "bill_id": request.bill_id,
        "customer": setup.customer,
        "values": dict(values),
    }


def request_from_payload(contact_id: int | None, payload: dict[str, Any]) -> FormRequest:
    """The request that reopens an autosaved form."""
    raw_mode, raw_values = payload.get("mode"), payload.get("values")
    mode: Mode = raw_mode if raw_mode in TITLES else "new"
    values: dict[str, Any] = raw_values if isinstance(raw_values, dict) else {}
    comm_id, bill_id = payload.get("communication_id"), payload.get("bill_id")
    return FormRequest(
        contact_id,
        mode,
        communication_id=int(comm_id) if comm_id else None,
        bill_id=int(bill_id) if bill_id else None,
        restore={k: str(v) for k, v in values.items() if k in FIELDS},
    )


def saved_message(comm: Communication, *, draft: bool, follow_up: bool) -> str:
    """What the agent is told after a save."""
    what = "Follow-up communication" if follow_up else "Communication"
    if draft:
        return f"{what} saved as draft."
    if comm.delivery == "queued":
        return (
            f"{MEDIA_LABELS.get(comm.media, comm.media)} to {comm.recipient} queued for delivery."
        )
    return f"{what} saved and completed."
