"""CRM actions: logging a person or company, and the communication and contact actions served by
screens of their own (Create a Communication, Follow Up, Complete Draft, Add More Information)."""

from __future__ import annotations

from typing import Any

from commcentre_tui.actions.spec import (
    ActionSpec,
    FormData,
    FormField,
    Precheck,
    SaveResult,
    clean,
)
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.services import communications, contact_info
from commcentre_tui.services.contacts import (
    CompanyInput,
    PersonInput,
    find_likely_duplicates,
    log_company,
    log_person,
)
from commcentre_tui.services.context import ServiceContext

LANGUAGES = [("en", "English"), ("el", "Greek"), ("ru", "Russian"), ("de", "German")]


# -- contacts ------------------------------------------------------------------------------
CONTACT_DETAILS = (
    FormField(
        "phone",
        "Phone",
        placeholder="e.g. 99 123456",
        default=lambda d: str(d.extra.get("phone") or ""),
    ),
    FormField("phone2", "Second phone"),
    FormField(
        "email",
        "Email",
        placeholder="name@example.com",
        default=lambda d: str(d.extra.get("email") or ""),
    ),
    FormField("street", "Street"),
    FormField("city", "City"),
    FormField("postal_code", "Postal code"),
    FormField("country", "Country", default="Cyprus"),
    FormField("id_number", "ID number"),
    FormField("national_id", "National ID"),
    FormField(
        "preferred_language",
        "Preferred language",
        kind="choice",
        choices=LANGUAGES,
        default="en",
        required=True,
    ),
    FormField("notes", "Notes", kind="multiline"),
)
CONTACT_ERROR_KEYS = {
    "phones.0.number": "phone",
    "phones.1.number": "phone2",
    "emails.0.address": "email",
    "addresses.0.street": "street",
    "addresses.0.city": "city",
    "addresses.0.postal_code": "postal_code",
    "addresses.0.country": "country",
}


CUSTOM = "custom__"


def custom_key(name: str) -> str:
    """The form field name of custom field ``name`` (hex-encoded: widget ids allow no spaces)."""
    return CUSTOM + name.encode().hex()


def custom_name(key: str) -> str:
    """The custom field name back from :func:`custom_key`."""
    return bytes.fromhex(key.removeprefix(CUSTOM)).decode()


def custom_fields(settings: Any) -> tuple[FormField, ...]:
    """One field per ``[contacts] custom_fields`` entry."""
    kinds = {"text": "text", "number": "text", "date": "date", "bool": "bool"}
    return tuple(
        FormField(custom_key(f.name), f.name, kind=kinds[f.type], required=f.required)  # type: ignore[arg-type]  # custom field types are validated against FormField kinds by the config
        for f in settings.contacts.custom_fields
    )


def contact_payload(values: dict[str, Any]) -> dict[str, Any]:
    """The contact services' input from the flat form values."""
    phones = [
        {"number": p, "kind": "mobile", "is_primary": i == 0}
        for i, p in enumerate(v for v in (values.get("phone"), values.get("phone2")) if v)
    ]
    emails = [{"address": values["email"], "is_primary": True}] if values.get("email") else []
    address_keys = ("street", "city", "postal_code", "country")
    has_address = any(values.get(k) for k in address_keys if k != "country")
    addresses = (
        [{**{k: values.get(k) or "" for k in address_keys}, "is_primary": True}]
        if has_address
        else []
    )
    custom = {
        custom_name(k): v for k, v in values.items() if k.startswith(CUSTOM) and v not in (None, "")
    }
    payload = clean(
        values,
        "phone",
        "phone2",
        "email",
        *address_keys,
        *[k for k in values if k.startswith(CUSTOM)],
    )
    return {
        **payload,
        "phones": phones,
        "emails": emails,
        "addresses": addresses,
        "custom_fields": custom,
    }


def duplicate_precheck(
    ctx: ServiceContext, _data: FormData, values: dict[str, Any]
) -> Precheck | None:
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


def _log(service: Any) -> Any:
    """Submit a new person or company through ``service`` (log_person or log_company)."""

    def submit(ctx: ServiceContext, _data: FormData, values: dict[str, Any]) -> SaveResult:
        try:
            created = service(ctx, contact_payload(values))
        except ValidationFailed as exc:  # custom_fields.<name> → the form's field for it
            exc.errors = {
                custom_key(k.removeprefix("custom_fields."))
                if k.startswith("custom_fields.")
                else k: v
                for k, v in (exc.errors or {}).items()
            }
            raise
        return SaveResult(
            f"Created {created.display_name} ({created.customer_number}).", created.contact_id
        )

    return submit


LOG_PERSON = ActionSpec(
    name="Log Person Information",
    group="CRM",
    service=log_person,
    input_model=PersonInput,
    roles=("agent", "finance"),
    needs_customer=False,
    enabled_by_default=True,
    description="A new person with a unique customer number.",
    fields=(
        FormField("title", "Title"),
        FormField(
            "first_name",
            "First name",
            required=True,
            default=lambda d: str(d.extra.get("first_name") or ""),
        ),
        FormField(
            "last_name",
            "Last name",
            required=True,
            default=lambda d: str(d.extra.get("last_name") or ""),
        ),
        *CONTACT_DETAILS,
    ),
    submit=_log(log_person),
    precheck=duplicate_precheck,
    error_keys=CONTACT_ERROR_KEYS,
    extra_fields=custom_fields,
)

LOG_COMPANY = ActionSpec(
    name="Log Company Information",
    group="CRM",
    service=log_company,
    input_model=CompanyInput,
    roles=("agent", "finance"),
    needs_customer=False,
    enabled_by_default=True,
    description="A new company with a unique customer number.",
    fields=(
        FormField("company_name", "Company name", required=True),
        FormField("registration_number", "Registration number", required=True),
        *CONTACT_DETAILS,
    ),
    submit=_log(log_company),
    precheck=duplicate_precheck,
    error_keys=CONTACT_ERROR_KEYS,
    extra_fields=custom_fields,
)

# -- served by screens of their own (the communication form, the contact information screen) --
CREATE_COMMUNICATION = ActionSpec(
    name="Create a Communication",
    group="CRM",
    service=communications.create_communication,
    input_model=communications.CommunicationInput,
    roles=("agent", "finance"),
    enabled_by_default=True,
)
COMPLETE_DRAFT = ActionSpec(
    name="Complete Draft",
    group="CRM",
    service=communications.complete_communication,
    input_model=communications.CommunicationInput,
    kind="step",
    after="Create a Communication",
)
FOLLOW_UP = ActionSpec(
    name="Follow Up",
    group="CRM",
    service=communications.follow_up,
    input_model=communications.CommunicationInput,
    roles=("agent",),
)
ADD_MORE_INFORMATION = ActionSpec(
    name="Add More Information",
    group="CRM",
    service=contact_info.save_contact_info,
    roles=("agent", "finance"),
)
