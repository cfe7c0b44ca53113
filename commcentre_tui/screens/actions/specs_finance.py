"""Billing & Subscription and Finance action forms over the finance services."""

from __future__ import annotations

import importlib
from typing import Any

from commcentre_tui.screens.actions.spec import (
    ActionSpec,
    FieldSpec,
    FormData,
    SaveResult,
    register,
)
from commcentre_tui.screens.actions.specs_crm import clean, pairs
from commcentre_tui.services.context import ServiceContext

PRODUCT_SLOTS = 3
METHODS = [(m, m.replace("_", " ").title()) for m in ("cash", "card", "bank_transfer", "cheque", "direct_debit")]


def _service(path: str) -> Any:
    module_name, func_name = path.rsplit(".", 1)
    return getattr(importlib.import_module(f"commcentre_tui.services.{module_name}"), func_name)


def _picked(data: FormData, key: str) -> str:
    """The record the opener selected (e.g. the highlighted subscription), as a default."""
    value = data.extra.get(key)
    return "" if value is None else str(value)


# -- pick lists ----------------------------------------------------------------------------
def load_accounts(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.repo.finance_queries import accounts_of_contact

    if data.contact_id is None:
        data.lists["accounts"] = []
        return
    data.lists["accounts"] = pairs((a.id, f"{a.number} · balance {a.currency} {a.balance}")
                                   for a in accounts_of_contact(ctx.engine, data.contact_id))


def load_subscriptions(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.repo.finance_queries import (
        subscription_with_services,
        subscriptions_of_contact,
    )

    assert data.contact_id is not None
    subs = subscriptions_of_contact(ctx.engine, data.contact_id)
    data.lists["subscriptions"] = pairs((s.id, f"{s.number} · {s.status}") for s in subs)
    services: list[tuple[str, str]] = []
    for sub in subs:
        view = subscription_with_services(ctx.engine, sub.id or 0)
        services += [(str(row.service.id), f"{sub.number} · {row.product.name} · {row.service.price}")
                     for row in view.active_services]
    data.lists["services"] = services
    data.extra["service_subscription"] = {value: label.split(" · ")[0] for value, label in services}


def load_products(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.repo.finance_queries import catalogue_products

    data.lists["products"] = pairs((p.id, f"{p.name} · {p.price}/{p.billing_period}")
                                   for p in catalogue_products(ctx.engine))


def load_bills(ctx: ServiceContext, data: FormData) -> None:
    """The unpaid bills; with none, one sentence instead of a form with an empty list."""
    from commcentre_tui.errors import RuleViolation
    from commcentre_tui.repo.finance_queries import accounts_of_contact, unpaid_bills

    assert data.contact_id is not None
    data.lists["bills"] = pairs(
        (b.id, f"{b.number} · due {b.due_date} · outstanding {b.amount - b.paid_amount}")
        for b in unpaid_bills(ctx.engine, contact_id=data.contact_id)
    )
    if not data.lists["bills"]:
        numbers = [a.number for a in accounts_of_contact(ctx.engine, data.contact_id)]
        if not numbers:
            raise RuleViolation("Nothing to pay: this customer has no account.")
        raise RuleViolation(f"Nothing to pay: no unpaid bills on {', '.join(numbers)}.")


def _all(*loaders: Any) -> Any:
    def load(ctx: ServiceContext, data: FormData) -> None:
        for loader in loaders:
            loader(ctx, data)

    return load


def _simple(path: str) -> Any:
    """Submit the form values to a finance service; its result carries the message."""

    def submit(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
        result = _service(path)(ctx, clean(values))
        return SaveResult(result.message, data.contact_id)

    return submit


def _products(values: dict[str, Any]) -> dict[str, Any]:
    ids = [values[f"product{i}"] for i in range(1, PRODUCT_SLOTS + 1) if values.get(f"product{i}")]
    return {**clean(values, *[f"product{i}" for i in range(1, PRODUCT_SLOTS + 1)]), "product_ids": ids}


def _chosen(values: dict[str, Any], needed: dict[str, str]) -> None:
    """Raise one error per field of ``needed`` (name → sentence) the agent left blank."""
    from commcentre_tui.errors import ValidationFailed

    missing = {name: sentence for name, sentence in needed.items() if not values.get(name)}
    if missing:
        raise ValidationFailed.many(missing)


def _with_products(path: str, needed: dict[str, str]) -> Any:
    def submit(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
        _chosen(values, {**needed, "product1": "Choose the service to add."})
        return SaveResult(_service(path)(ctx, _products(values)).message, data.contact_id)

    return submit


#: The services to add: none is chosen for the agent (a bare Ctrl+S adds nothing paid); the
#: first is still required, checked on save (``Service 1 *``).
PRODUCT_FIELDS = tuple(
    FieldSpec(f"product{i}", f"Service {i}" + (" *" if i == 1 else ""), kind="choice",
              choices="products", placeholder="Choose the service to add…" if i == 1 else "")
    for i in range(1, PRODUCT_SLOTS + 1)
)
PRODUCT_ERRORS = {"product_ids": "product1", **{f"product_ids.{i - 1}": f"product{i}" for i in range(1, 4)}}


# -- accounts and subscriptions ------------------------------------------------------------
def create_account(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    from commcentre_tui.errors import ValidationFailed
    from commcentre_tui.repo.contact_lookup import contact_id_by_number

    payload = clean(values, "owner")
    owner = contact_id_by_number(ctx.engine, values.get("owner") or "")
    if owner is None:
        raise ValidationFailed("No customer has that customer number.", "owner")
    result = _service("accounts.create_account")(ctx, {**payload, "contact_id": owner})
    return SaveResult(result.message, owner)


register(ActionSpec(
    name="Create new Account",
    description="A financial account for the customer (or for the owner you name).",
    fields=(
        FieldSpec("owner", "Owner (customer number)", required=True,
                  default=lambda d: str(d.extra.get("customer_number", ""))),
        FieldSpec("number", "Account number (blank = next free)"),
        FieldSpec("name", "Account name"),
        FieldSpec("currency", "Currency", placeholder="EUR (blank = default)"),
        FieldSpec("billing_address", "Billing address"),
        FieldSpec("payment_terms_days", "Payment terms (days)", kind="int"),
    ),
    submit=create_account,
    error_keys={"contact_id": "owner"},
))

register(ActionSpec(
    name="Become Subscriber",
    description="A new subscription on an account with services from the catalogue.",
    fields=(
        FieldSpec("account_id", "Account", kind="choice", choices="accounts", required=True),
        *PRODUCT_FIELDS,
        FieldSpec("start_date", "Start date", kind="date", placeholder="YYYY-MM-DD (blank = today)"),
    ),
    load=_all(load_accounts, load_products),
    submit=_with_products("subscriptions.become_subscriber", {}),
    error_keys=PRODUCT_ERRORS,
))

SUBSCRIPTION_FIELD = FieldSpec("subscription_id", "Subscription", kind="choice", choices="subscriptions",
                               required=True, default=lambda d: _picked(d, "subscription_id"))

#: The subscription highlighted in the tab, else none: the agent chooses (checked on save).
PICKED_SUBSCRIPTION = FieldSpec("subscription_id", "Subscription *", kind="choice",
                                choices="subscriptions", placeholder="Choose the subscription…",
                                default=lambda d: _picked(d, "subscription_id"))
CHOOSE_SUBSCRIPTION = {"subscription_id": "Choose the subscription (or highlight it in the "
                                          "Subscriptions tab, F6, before opening the action)."}

register(ActionSpec(
    name="Add Services",
    description="Choose the services to add; they are billed from the effective date.",
    fields=(PICKED_SUBSCRIPTION, *PRODUCT_FIELDS,
            FieldSpec("effective_date", "Effective date", kind="date", placeholder="YYYY-MM-DD (blank = today)")),
    load=_all(load_subscriptions, load_products),
    submit=_with_products("subscriptions.add_services", CHOOSE_SUBSCRIPTION),
    error_keys=PRODUCT_ERRORS,
))

register(ActionSpec(
    name="Remove Services",
    description="Select the service, action type Remove Service, effective date, Submit.",
    fields=(
        FieldSpec("subscription_service_id", "Service", kind="choice", choices="services", required=True,
                  default=lambda d: _picked(d, "subscription_service_id")),
        FieldSpec("action_type", "Action type", kind="choice", choices=[("Remove Service", "Remove Service")],
                  default="Remove Service", required=True),
        FieldSpec("effective_date", "Effective date", kind="date", placeholder="YYYY-MM-DD (blank = today)"),
    ),
    load=load_subscriptions,
    submit=_simple("subscriptions.remove_service"),
    save_label="Submit",
))


#: What Manage Subscription can do (value, label).
OPERATIONS = [
    ("suspend", "Suspend: no billing until it is resumed"),
    ("resume", "Resume: billing restarts"),
    ("add", "Add a service (choose it below)"),
    ("remove", "Remove a service (choose it below)"),
]


def manage_subscription(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    """Suspend, resume, add a service or remove one, as the agent chose."""
    from commcentre_tui.errors import ValidationFailed

    _chosen(values, {**CHOOSE_SUBSCRIPTION, "operation": "Choose what to do: suspend, resume, "
                                                         "add a service or remove one."})
    operation = values["operation"]
    day = {"effective_date": values.get("effective_date")}
    if operation == "add":
        _chosen(values, {"add_product": "Choose the service to add."})
        result = _service("subscriptions.add_services")(ctx, {
            "subscription_id": values["subscription_id"], "product_ids": [values["add_product"]], **day})
    elif operation == "remove":
        _chosen(values, {"remove_service": "Choose the service to remove."})
        on = data.extra.get("service_subscription", {}).get(values["remove_service"])
        subs = dict(data.lists.get("subscriptions", []))
        chosen = subs.get(values["subscription_id"], "").split(" · ")[0]
        if on and chosen and on != chosen:
            raise ValidationFailed(f"That service is on subscription {on}, not {chosen}.",
                                   "remove_service")
        result = _service("subscriptions.remove_service")(ctx, {
            "subscription_service_id": values["remove_service"], **day})
    else:
        path = ("subscriptions.suspend_subscription" if operation == "suspend"
                else "subscriptions.resume_subscription")
        result = _service(path)(ctx, {"subscription_id": values["subscription_id"], **day,
                                      "reason": values.get("reason") or ""})
    return SaveResult(result.message, data.contact_id)


register(ActionSpec(
    name="Manage Subscription",
    description="What you can do here: suspend or resume the subscription, add a service or "
    "remove one. (Add Services, Remove Services and Bill Subscriber are also actions of their "
    "own.)",
    fields=(
        PICKED_SUBSCRIPTION,
        FieldSpec("operation", "What to do *", kind="choice", choices=OPERATIONS,
                  placeholder="Choose what to do…"),
        FieldSpec("add_product", "Service to add", kind="choice", choices="products",
                  placeholder="(for Add a service)"),
        FieldSpec("remove_service", "Service to remove", kind="choice", choices="services",
                  placeholder="(for Remove a service)",
                  default=lambda d: _picked(d, "subscription_service_id")),
        FieldSpec("effective_date", "Effective date", kind="date", placeholder="YYYY-MM-DD (blank = today)"),
        FieldSpec("reason", "Reason (suspend, resume)"),
    ),
    load=_all(load_subscriptions, load_products),
    submit=manage_subscription,
    error_keys={"product_ids": "add_product", "product_ids.0": "add_product",
                "subscription_service_id": "remove_service"},
))


# -- billing -------------------------------------------------------------------------------
#: The width of a service name on a bill preview line (a longer one gets its own line).
PREVIEW_NAME_WIDTH = 30


def render_preview(preview: Any) -> str:
    """The bill preview as plain text lines, each month's lines under its period, nothing cut:
    they fit the form at 80 columns."""
    lines = [f"Bill for {preview.subscription_number} on account {preview.account_number}",
             f"Period {preview.period_start} – {preview.period_end}"]
    period = None
    for line in preview.lines:
        if (line.period_start, line.period_end) != period:
            period = (line.period_start, line.period_end)
            lines.append(f" {line.period_start} – {line.period_end}")
        name = line.description.split(f", {line.period_start.isoformat()} – ", 1)[0]
        if len(name) > PREVIEW_NAME_WIDTH:
            lines.append(f"   {name}")
            name = ""
        lines.append(f"   {name:<{PREVIEW_NAME_WIDTH}} {line.days:>2}/{line.month_days:<2}d "
                     f"{line.amount:>9} + tax {line.tax:>7}")
    cur = preview.currency
    lines += [f"Subtotal {cur} {preview.subtotal}   Tax {cur} {preview.tax}   "
              f"Total {cur} {preview.amount}",
              f"Previous balance {cur} {preview.previous_balance}   Due {preview.due_date}"]
    return "\n".join(lines)


register(ActionSpec(
    name="Bill Subscriber",
    description="Choose Bill As Of Date; Preview Bill shows the lines without writing anything.",
    fields=(SUBSCRIPTION_FIELD,
            FieldSpec("as_of", "Bill As Of Date", kind="date", placeholder="YYYY-MM-DD (blank = today)")),
    load=load_subscriptions,
    preview=lambda ctx, data, values: render_preview(_service("billing.preview_bill")(ctx, clean(values))),
    preview_label="Preview Bill",
    submit=_simple("billing.bill_subscriber"),
    save_label="Submit",
))

register(ActionSpec(
    name="Pay a Bill",
    fields=(
        FieldSpec("bill_id", "Bill (latest first)", kind="choice", choices="bills", required=True,
                  default=lambda d: _picked(d, "bill_id")),
        FieldSpec("amount", "Amount", kind="money", placeholder="blank = the bill's outstanding amount"),
        FieldSpec("method", "Method", kind="choice", choices=METHODS, default="cash", required=True),
        FieldSpec("reference", "Reference"),
    ),
    load=load_bills,
    submit=_simple("payments.pay_bill"),
))

ACCOUNT_FIELD = FieldSpec("account_id", "Account", kind="choice", choices="accounts", required=True)

register(ActionSpec(
    name="Post an Invoice",
    fields=(ACCOUNT_FIELD, FieldSpec("amount", "Amount", kind="money", required=True),
            FieldSpec("description", "Description", required=True),
            FieldSpec("due_date", "Due date", kind="date")),
    load=load_accounts,
    submit=_simple("payments.post_invoice"),
))

register(ActionSpec(
    name="Post a Payment",
    description="A payment on account; more than the balance leaves a credit.",
    fields=(ACCOUNT_FIELD, FieldSpec("amount", "Amount", kind="money", required=True),
            FieldSpec("method", "Method", kind="choice", choices=METHODS, default="cash", required=True),
            FieldSpec("reference", "Reference")),
    load=load_accounts,
    submit=_simple("payments.post_payment"),
))


# -- rewards -------------------------------------------------------------------------------
def load_reward_transactions(ctx: ServiceContext, data: FormData) -> None:
    from commcentre_tui.errors import RuleViolation
    from commcentre_tui.repo.finance_queries import participants_of_contact, reward_transactions

    assert data.contact_id is not None
    rows = {}
    for participant in participants_of_contact(ctx.engine, data.contact_id):
        for row in reward_transactions(ctx.engine, participant.id or 0):
            rows[f"{row.kind}:{row.id}"] = (participant.number, row)
    picked = next((f"{k}:{data.extra[f'reward_{k}_id']}" for k in ("award", "spend")
                   if data.extra.get(f"reward_{k}_id") is not None), None)
    if picked in rows and rows[picked][1].state == "cancelled":
        raise RuleViolation(f"That {rows[picked][1].kind} transaction was already cancelled on "
                            f"{rows[picked][1].cancelled_at:%Y-%m-%d}.")
    posted = {k: v for k, v in rows.items() if v[1].state == "posted"}
    if not posted:
        raise RuleViolation("This customer has no posted reward transaction to cancel.")
    data.lists["rewards"] = [(k, f"{r.created_at:%Y-%m-%d} · {r.kind.title()} · {number} · {r.points:+,} points"
                                 + (f" · {r.reason[:30]}" if r.reason else ""))
                             for k, (number, r) in posted.items()]
    data.extra["rewards"] = posted
    data.extra["reward_default"] = picked if picked in posted else next(iter(posted))


def confirm_reward_cancel(data: FormData, values: dict[str, Any]) -> str | None:
    number, row = data.extra["rewards"].get(values.get("transaction") or "", (None, None))
    if row is None:
        return None
    moved = "taken back from" if row.kind == "award" else "given back to"
    return (f"Cancel the {row.kind} of {abs(row.points):,} points? They are {moved} {number}; "
            "a cancelled transaction stays listed and cannot be restored.")


def cancel_reward(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    kind, _, rid = (values.get("transaction") or "").partition(":")
    result = _service("rewards.cancel_reward_transaction")(
        ctx, {"kind": kind, "transaction_id": rid, "reason": values.get("reason") or ""})
    return SaveResult(result.message, data.contact_id)


register(ActionSpec(
    name="Cancel Reward Transaction",
    description="Reverse an award (points taken back) or a spend (points given back).",
    fields=(FieldSpec("transaction", "Transaction", kind="choice", choices="rewards", required=True,
                      default=lambda d: d.extra["reward_default"]),
            FieldSpec("reason", "Reason", max_length=150)),
    load=load_reward_transactions,
    submit=cancel_reward,
    confirm=confirm_reward_cancel,
    save_label="Cancel transaction",
    error_keys={"kind": "transaction", "transaction_id": "transaction"},
))
