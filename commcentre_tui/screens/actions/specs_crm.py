"""CRM action forms: contacts, jobs, service requests, activities, leads, cases, follow-ups, tasks."""

from __future__ import annotations

from typing import Any

from commcentre_tui.screens.actions.spec import (
    ActionSpec,
    FieldSpec,
    FormData,
    Precheck,
    SaveResult,
    register,
)
from commcentre_tui.services.context import ServiceContext

PRIORITY = [(p, p.title()) for p in ("low", "normal", "high", "urgent")]
SEVERITY = [(s, s.title()) for s in ("minor", "major", "critical")]
LANGUAGES = [("en", "English"), ("el", "Greek"), ("ru", "Russian"), ("de", "German")]


def pairs(items: Any) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a picker, values as strings."""
    return [(str(v), str(label)) for v, label in items]


def clean(values: dict[str, Any], *drop: str) -> dict[str, Any]:
    """``values`` without blanks and without the named form-only keys."""
    return {k: v for k, v in values.items() if v is not None and k not in drop}


# -- pick lists loaded before a form shows --------------------------------------------------
def load_assignment(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.repo.care_queries import assignment_agents, assignment_units

    data.lists["agents"] = pairs((a.id, f"{a.display_name} ({a.unit or 'no unit'})")
                                 for a in assignment_agents(ctx.engine))
    data.lists["units"] = pairs((u, u) for u in assignment_units(ctx.engine))


def load_accounts(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.repo.finance_queries import accounts_of_contact, subscriptions_of_contact

    assert data.contact_id is not None
    data.lists["accounts"] = pairs((a.id, f"{a.number} · {a.currency} {a.balance}")
                                   for a in accounts_of_contact(ctx.engine, data.contact_id))
    data.lists["subscriptions"] = pairs((s.id, f"{s.number} · {s.status}")
                                        for s in subscriptions_of_contact(ctx.engine, data.contact_id))


def load_care(ctx: ServiceContext, data: FormData) -> None:
    load_assignment(ctx, data)
    load_accounts(ctx, data)


# -- contacts ------------------------------------------------------------------------------
CONTACT_DETAILS = (
    FieldSpec("phone", "Phone", placeholder="e.g. 99 123456", default=lambda d: str(d.extra.get("phone") or "")),
    FieldSpec("phone2", "Second phone"),
    FieldSpec("email", "Email", placeholder="name@example.com"),
    FieldSpec("street", "Street"),
    FieldSpec("city", "City"),
    FieldSpec("postal_code", "Postal code"),
    FieldSpec("country", "Country", default="Cyprus"),
    FieldSpec("id_number", "ID number"),
    FieldSpec("national_id", "National ID"),
    FieldSpec("preferred_language", "Preferred language", kind="choice", choices=LANGUAGES, default="en",
              required=True),
    FieldSpec("notes", "Notes", kind="multiline"),
)
CONTACT_ERROR_KEYS = {
    "phones.0.number": "phone", "phones.1.number": "phone2", "emails.0.address": "email",
    "addresses.0.street": "street", "addresses.0.city": "city",
    "addresses.0.postal_code": "postal_code", "addresses.0.country": "country",
}


CUSTOM = "custom__"


def custom_key(name: str) -> str:
    """The form field name of custom field ``name`` (hex-encoded: widget ids allow no spaces)."""
    return CUSTOM + name.encode().hex()


def custom_name(key: str) -> str:
    """The custom field name back from :func:`custom_key`."""
    return bytes.fromhex(key.removeprefix(CUSTOM)).decode()


def custom_fields(settings: Any) -> tuple[FieldSpec, ...]:
    """One field per ``[contacts] custom_fields`` entry."""
    kinds = {"text": "text", "number": "text", "date": "date", "bool": "bool"}
    return tuple(
        FieldSpec(custom_key(f.name), f.name, kind=kinds[f.type], required=f.required)  # type: ignore[arg-type]
        for f in settings.contacts.custom_fields
    )


def contact_payload(values: dict[str, Any]) -> dict[str, Any]:
    """The contact services' input from the flat form values."""
    phones = [{"number": p, "kind": "mobile", "is_primary": i == 0}
              for i, p in enumerate(v for v in (values.get("phone"), values.get("phone2")) if v)]
    emails = [{"address": values["email"], "is_primary": True}] if values.get("email") else []
    address_keys = ("street", "city", "postal_code", "country")
    has_address = any(values.get(k) for k in address_keys if k != "country")
    addresses = [{**{k: values.get(k) or "" for k in address_keys}, "is_primary": True}] if has_address else []
    custom = {custom_name(k): v for k, v in values.items() if k.startswith(CUSTOM) and v not in (None, "")}
    payload = clean(values, "phone", "phone2", "email", *address_keys,
                    *[k for k in values if k.startswith(CUSTOM)])
    return {**payload, "phones": phones, "emails": emails, "addresses": addresses, "custom_fields": custom}


def duplicate_precheck(ctx: ServiceContext, _data: FormData, values: dict[str, Any]) -> Precheck | None:
    from commcentre_tui.services.contacts import find_likely_duplicates

    phones = [v for v in (values.get("phone"), values.get("phone2")) if v]
    emails = [values["email"]] if values.get("email") else []
    if not phones and not emails:
        return None
    matches = find_likely_duplicates(ctx, phones, emails, limit=3)
    if not matches:
        return None
    first = matches[0]
    more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
    return Precheck(
        f"Likely duplicate: {first.display_name} ({first.customer_number}) has the same "
        f"{first.matched_on} {first.value}{more}. Open the existing customer instead?",
        open_contact_id=first.contact_id,
    )


def _log(kind: str) -> Any:
    def submit(ctx: ServiceContext, _data: FormData, values: dict[str, Any]) -> SaveResult:
        from commcentre_tui.errors import ValidationFailed
        from commcentre_tui.services.contacts import log_company, log_person

        try:
            created = (log_person if kind == "person" else log_company)(ctx, contact_payload(values))
        except ValidationFailed as exc:  # custom_fields.<name> → the form's field for it
            exc.errors = {custom_key(k.removeprefix("custom_fields.")) if k.startswith("custom_fields.") else k: v
                          for k, v in (exc.errors or {}).items()}
            raise
        return SaveResult(f"Created {created.display_name} ({created.customer_number}).", created.contact_id)

    return submit


register(ActionSpec(
    name="Log Person Information",
    description="A new person with a unique customer number.",
    fields=(
        FieldSpec("title", "Title"),
        FieldSpec("first_name", "First name", required=True),
        FieldSpec("last_name", "Last name", required=True),
        *CONTACT_DETAILS,
    ),
    submit=_log("person"),
    precheck=duplicate_precheck,
    error_keys=CONTACT_ERROR_KEYS,
    extra_fields=custom_fields,
))

register(ActionSpec(
    name="Log Company Information",
    description="A new company with a unique customer number.",
    fields=(
        FieldSpec("company_name", "Company name", required=True),
        FieldSpec("registration_number", "Registration number", required=True),
        *CONTACT_DETAILS,
    ),
    submit=_log("company"),
    precheck=duplicate_precheck,
    error_keys=CONTACT_ERROR_KEYS,
    extra_fields=custom_fields,
))


# -- care records --------------------------------------------------------------------------
ASSIGNMENT = (
    FieldSpec("assigned_unit", "Assign to unit", kind="choice", choices="units"),
    FieldSpec("assigned_agent_id", "Assign to agent", kind="choice", choices="agents"),
)


def _care_submit(service_path: str, what: str) -> Any:
    def submit(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
        import importlib

        module_name, func_name = service_path.rsplit(".", 1)
        service = getattr(importlib.import_module(f"commcentre_tui.services.{module_name}"), func_name)
        saved = service(ctx, {**clean(values), "contact_id": data.contact_id})
        return SaveResult(f"{what} {saved.number} saved.", data.contact_id)

    return submit


register(ActionSpec(
    name="Plan a Job",
    fields=(
        FieldSpec("type", "Job type", required=True, placeholder="e.g. Technician Visit"),
        FieldSpec("scheduled_at", "Scheduled date", kind="datetime", required=True),
        FieldSpec("account_id", "Account", kind="choice", choices="accounts"),
        FieldSpec("description", "Description", kind="multiline"),
        *ASSIGNMENT,
    ),
    load=load_care,
    submit=_care_submit("jobs.plan_job", "Job"),
))

register(ActionSpec(
    name="Raise a Service Request",
    fields=(
        FieldSpec("type", "Type", required=True, placeholder="e.g. No signal"),
        FieldSpec("priority", "Priority", kind="choice", choices=PRIORITY, default="normal", required=True),
        FieldSpec("severity", "Severity", kind="choice", choices=SEVERITY, default="minor", required=True),
        FieldSpec("description", "Description", kind="multiline", required=True),
        FieldSpec("subscription_id", "Related subscription", kind="choice", choices="subscriptions"),
        FieldSpec("account_id", "Related account", kind="choice", choices="accounts"),
        *ASSIGNMENT,
    ),
    load=load_care,
    submit=_care_submit("service_requests.raise_service_request", "Service request"),
))

register(ActionSpec(
    name="Take a Lead",
    fields=(
        FieldSpec("source", "Source", kind="choice", required=True, default="phone",
                  choices=[(s, s.replace("_", " ").title()) for s in
                           ("phone", "email", "web", "walk_in", "referral", "campaign", "social", "other")]),
        FieldSpec("product_id", "Product of interest", kind="choice", choices="products"),
        FieldSpec("interest", "Interest", placeholder="what the customer asked about"),
        FieldSpec("potential_value", "Potential value", kind="money"),
        FieldSpec("status", "Status", kind="choice", default="new", required=True,
                  choices=[(s, s.title()) for s in ("new", "qualified", "won", "lost")]),
        FieldSpec("description", "Notes", kind="multiline"),
        *ASSIGNMENT,
    ),
    load=lambda ctx, data: (load_assignment(ctx, data), _load_products(ctx, data, "recurring")),
    submit=_care_submit("leads.take_lead", "Lead"),
))


def _load_products(ctx: ServiceContext, data: FormData, kind: str) -> None:
    from commcentre_tui.repo.finance_queries import catalogue_products

    data.lists["products"] = pairs((p.id, f"{p.name} · {p.price}")
                                   for p in catalogue_products(ctx.engine, kind=None if kind == "any" else kind))


register(ActionSpec(
    name="Open a Case",
    fields=(
        FieldSpec("subject", "Subject", required=True),
        FieldSpec("description", "Description", kind="multiline"),
        FieldSpec("severity", "Severity", kind="choice", choices=SEVERITY, default="minor", required=True),
        FieldSpec("priority", "Priority", kind="choice", choices=PRIORITY, default="normal", required=True),
        FieldSpec("visibility", "Visibility", kind="choice", default="public", required=True,
                  choices=[("public", "Everyone"), ("unit", "My unit and supervisors")]),
    ),
    submit=_care_submit("cases.open_case", "Case"),
))
