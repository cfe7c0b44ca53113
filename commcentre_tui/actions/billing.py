"""Billing & Subscription actions: subscriptions and their services, billing a subscriber, and
Communicate Bill (served by the communication form)."""

from __future__ import annotations

from typing import Any

from commcentre_tui.actions.spec import ActionSpec, FormData, FormField, SaveResult, clean, pairs
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.finance_queries import (
    accounts_of_contact,
    catalogue_products,
    subscription_with_services,
    subscriptions_of_contact,
)
from commcentre_tui.services import billing, communications, subscriptions
from commcentre_tui.services.context import ServiceContext

GROUP = "Billing & Subscription"
PRODUCT_SLOTS = 3


def picked(data: FormData, key: str) -> str:
    """The record the opener selected (e.g. the highlighted subscription), as a default."""
    value = data.extra.get(key)
    return "" if value is None else str(value)


# -- pick lists ----------------------------------------------------------------------------
def load_accounts(ctx: ServiceContext, data: FormData) -> None:
    if data.contact_id is None:
        data.lists["accounts"] = []
        return
    data.lists["accounts"] = pairs(
        (a.id, f"{a.number} · balance {a.currency} {a.balance}")
        for a in accounts_of_contact(ctx.engine, data.contact_id)
    )


def load_subscriptions(ctx: ServiceContext, data: FormData) -> None:
    assert data.contact_id is not None
    subs = subscriptions_of_contact(ctx.engine, data.contact_id)
    data.lists["subscriptions"] = pairs((s.id, f"{s.number} · {s.status}") for s in subs)
    services: list[tuple[str, str]] = []
    for sub in subs:
        view = subscription_with_services(ctx.engine, sub.id or 0)
        services += [
            (str(row.service.id), f"{sub.number} · {row.product.name} · {row.service.price}")
            for row in view.active_services
        ]
    data.lists["services"] = services
    data.extra["service_subscription"] = {value: label.split(" · ")[0] for value, label in services}


def load_products(ctx: ServiceContext, data: FormData) -> None:
    data.lists["products"] = pairs(
        (p.id, f"{p.name} · {p.price}/{p.billing_period}") for p in catalogue_products(ctx.engine)
    )


def _all(*loaders: Any) -> Any:
    def load(ctx: ServiceContext, data: FormData) -> None:
        for loader in loaders:
            loader(ctx, data)

    return load


def _products(values: dict[str, Any]) -> dict[str, Any]:
    ids = [values[f"product{i}"] for i in range(1, PRODUCT_SLOTS + 1) if values.get(f"product{i}")]
    return {
        **clean(values, *[f"product{i}" for i in range(1, PRODUCT_SLOTS + 1)]),
        "product_ids": ids,
    }


def _chosen(values: dict[str, Any], needed: dict[str, str]) -> None:
    """Raise one error per field of ``needed`` (name → sentence) the agent left blank."""
    missing = {name: sentence for name, sentence in needed.items() if not values.get(name)}
    if missing:
        raise ValidationFailed.many(missing)


def _with_products(service: Any, needed: dict[str, str]) -> Any:
    def submit(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
        _chosen(values, {**needed, "product1": "Choose the service to add."})
        return SaveResult(service(ctx, _products(values)).message, data.contact_id)

    return submit


#: The services to add: none is chosen for the agent (a bare Ctrl+S adds nothing paid); the
#: first is still required, checked on save (``Service 1 *``).
PRODUCT_FIELDS = tuple(
    FormField(
        f"product{i}",
        f"Service {i}" + (" *" if i == 1 else ""),
        kind="choice",
        choices="products",
        placeholder="Choose the service to add…" if i == 1 else "",
    )
    for i in range(1, PRODUCT_SLOTS + 1)
)
PRODUCT_ERRORS = {
    "product_ids": "product1",
    **{f"product_ids.{i - 1}": f"product{i}" for i in range(1, 4)},
}


# -- subscriptions -------------------------------------------------------------------------
BECOME_SUBSCRIBER = ActionSpec(
    name="Become Subscriber",
    group=GROUP,
    service=subscriptions.become_subscriber,
    input_model=subscriptions.BecomeSubscriberInput,
    roles=("agent",),
    description="A new subscription on an account with services from the catalogue.",
    fields=(
        FormField("account_id", "Account", kind="choice", choices="accounts", required=True),
        *PRODUCT_FIELDS,
        FormField(
            "start_date", "Start date", kind="date", placeholder="YYYY-MM-DD (blank = today)"
        ),
    ),
    load=_all(load_accounts, load_products),
    submit=_with_products(subscriptions.become_subscriber, {}),
    error_keys=PRODUCT_ERRORS,
)

SUBSCRIPTION_FIELD = FormField(
    "subscription_id",
    "Subscription",
    kind="choice",
    choices="subscriptions",
    required=True,
    default=lambda d: picked(d, "subscription_id"),
)

#: The subscription highlighted in the tab, else none: the agent chooses (checked on save).
PICKED_SUBSCRIPTION = FormField(
    "subscription_id",
    "Subscription *",
    kind="choice",
    choices="subscriptions",
    placeholder="Choose the subscription…",
    default=lambda d: picked(d, "subscription_id"),
)
CHOOSE_SUBSCRIPTION = {
    "subscription_id": "Choose the subscription (or highlight it in the "
    "Subscriptions tab, F6, before opening the action)."
}

ADD_SERVICES = ActionSpec(
    name="Add Services",
    group=GROUP,
    service=subscriptions.add_services,
    input_model=subscriptions.AddServicesInput,
    roles=("agent",),
    description="Choose the services to add; they are billed from the effective date.",
    fields=(
        PICKED_SUBSCRIPTION,
        *PRODUCT_FIELDS,
        FormField(
            "effective_date",
            "Effective date",
            kind="date",
            placeholder="YYYY-MM-DD (blank = today)",
        ),
    ),
    load=_all(load_subscriptions, load_products),
    submit=_with_products(subscriptions.add_services, CHOOSE_SUBSCRIPTION),
    error_keys=PRODUCT_ERRORS,
)

REMOVE_SERVICES = ActionSpec(
    name="Remove Services",
    group=GROUP,
    service=subscriptions.remove_service,
    input_model=subscriptions.RemoveServiceInput,
    roles=("agent",),
    description="Select the service, action type Remove Service, effective date, Submit.",
    fields=(
        FormField(
            "subscription_service_id",
            "Service",
            kind="choice",
            choices="services",
            required=True,
            default=lambda d: picked(d, "subscription_service_id"),
        ),
        FormField(
            "action_type",
            "Action type",
            kind="choice",
            choices=[("Remove Service", "Remove Service")],
            default="Remove Service",
            required=True,
        ),
        FormField(
            "effective_date",
            "Effective date",
            kind="date",
            placeholder="YYYY-MM-DD (blank = today)",
        ),
    ),
    load=load_subscriptions,
    save_label="Submit",
)


#: What Manage Subscription can do (value, label).
OPERATIONS = [
    ("suspend", "Suspend: no billing until it is resumed"),
    ("resume", "Resume: billing restarts"),
    ("add", "Add a service (choose it below)"),
    ("remove", "Remove a service (choose it below)"),
]


def _manage_subscription(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    """Suspend, resume, add a service or remove one, as the agent chose."""
    _chosen(
        values,
        {
            **CHOOSE_SUBSCRIPTION,
            "operation": "Choose what to do: suspend, resume, add a service or remove one.",
        },
    )
    operation = values["operation"]
    day = {"effective_date": values.get("effective_date")}
    if operation == "add":
        _chosen(values, {"add_product": "Choose the service to add."})
        result = subscriptions.add_services(
            ctx,
            {
                "subscription_id": values["subscription_id"],
                "product_ids": [values["add_product"]],
                **day,
            },
        )
    elif operation == "remove":
        _chosen(values, {"remove_service": "Choose the service to remove."})
        on = data.extra.get("service_subscription", {}).get(values["remove_service"])
        subs = dict(data.lists.get("subscriptions", []))
        chosen = subs.get(values["subscription_id"], "").split(" · ")[0]
        if on and chosen and on != chosen:
            raise ValidationFailed(
                f"That service is on subscription {on}, not {chosen}.", "remove_service"
            )
        result = subscriptions.remove_service(
            ctx, {"subscription_service_id": values["remove_service"], **day}
        )
    else:
        change = (
            subscriptions.suspend_subscription
            if operation == "suspend"
            else subscriptions.resume_subscription
        )
        result = change(
            ctx,
            {
                "subscription_id": values["subscription_id"],
                **day,
                "reason": values.get("reason") or "",
            },
        )
    return SaveResult(result.message, data.contact_id)


MANAGE_SUBSCRIPTION = ActionSpec(
    name="Manage Subscription",
    group=GROUP,
    service=subscriptions.suspend_subscription,
    input_model=subscriptions.ChangeStatusInput,
    roles=("agent",),
    description="What you can do here: suspend or resume the subscription, add a service or "
    "remove one. (Add Services, Remove Services and Bill Subscriber are also actions of their "
    "own.)",
    fields=(
        PICKED_SUBSCRIPTION,
        FormField(
            "operation",
            "What to do *",
            kind="choice",
            choices=OPERATIONS,
            placeholder="Choose what to do…",
        ),
        FormField(
            "add_product",
            "Service to add",
            kind="choice",
            choices="products",
            placeholder="(for Add a service)",
        ),
        FormField(
            "remove_service",
            "Service to remove",
            kind="choice",
            choices="services",
            placeholder="(for Remove a service)",
            default=lambda d: picked(d, "subscription_service_id"),
        ),
        FormField(
            "effective_date",
            "Effective date",
            kind="date",
            placeholder="YYYY-MM-DD (blank = today)",
        ),
        FormField("reason", "Reason (suspend, resume)"),
    ),
    load=_all(load_subscriptions, load_products),
    submit=_manage_subscription,
    error_keys={
        "product_ids": "add_product",
        "product_ids.0": "add_product",
        "subscription_service_id": "remove_service",
    },
)


# -- billing -------------------------------------------------------------------------------
#: The width of a service name on a bill preview line (a longer one gets its own line).
PREVIEW_NAME_WIDTH = 30


def render_preview(preview: Any) -> str:
    """The bill preview as plain text lines, each month's lines under its period, nothing cut:
    they fit the form at 80 columns."""
    lines = [
        f"Bill for {preview.subscription_number} on account {preview.account_number}",
        f"Period {preview.period_start} – {preview.period_end}",
    ]
    period = None
    for line in preview.lines:
        if (line.period_start, line.period_end) != period:
            period = (line.period_start, line.period_end)
            lines.append(f" {line.period_start} – {line.period_end}")
        name = line.description.split(f", {line.period_start.isoformat()} – ", 1)[0]
        if len(name) > PREVIEW_NAME_WIDTH:
            lines.append(f"   {name}")
            name = ""
        lines.append(
            f"   {name:<{PREVIEW_NAME_WIDTH}} {line.days:>2}/{line.month_days:<2}d "
            f"{line.amount:>9} + tax {line.tax:>7}"
        )
    cur = preview.currency
    lines += [
        f"Subtotal {cur} {preview.subtotal}   Tax {cur} {preview.tax}   "
        f"Total {cur} {preview.amount}",
        f"Previous balance {cur} {preview.previous_balance}   Due {preview.due_date}",
    ]
    return "\n".join(lines)


BILL_SUBSCRIBER = ActionSpec(
    name="Bill Subscriber",
    group=GROUP,
    service=billing.bill_subscriber,
    input_model=billing.BillInput,
    roles=("finance",),
    description="Choose Bill As Of Date; Preview Bill shows the lines without writing anything.",
    fields=(
        SUBSCRIPTION_FIELD,
        FormField(
            "as_of", "Bill As Of Date", kind="date", placeholder="YYYY-MM-DD (blank = today)"
        ),
    ),
    load=load_subscriptions,
    preview=lambda ctx, data, values: render_preview(billing.preview_bill(ctx, clean(values))),
    preview_label="Preview Bill",
    save_label="Submit",
)

COMMUNICATE_BILL = ActionSpec(
    name="Communicate Bill",
    group=GROUP,
    service=communications.create_communication,
    input_model=communications.CommunicationInput,
    roles=("agent", "finance"),
)
