"""Finance actions: accounts, bills, invoices and payments, and cancelling a reward transaction
(the voucher actions are in :mod:`~commcentre_tui.actions.vouchers`)."""

from __future__ import annotations

from typing import Any

from commcentre_tui.actions.billing import load_accounts, picked
from commcentre_tui.actions.spec import ActionSpec, FormData, FormField, SaveResult, clean, pairs
from commcentre_tui.errors import RuleViolation, ValidationFailed
from commcentre_tui.repo.contact_lookup import contact_id_by_number
from commcentre_tui.repo.finance_queries import accounts_of_contact, unpaid_bills
from commcentre_tui.repo.voucher_reward_queries import participants_of_contact, reward_transactions
from commcentre_tui.services import accounts, payments, rewards, transfers
from commcentre_tui.services.context import ServiceContext

GROUP = "Finance"
METHODS = [(m, m.replace("_", " ").title()) for m in payments.PAYMENT_METHODS]
ACCOUNT_FIELD = FormField("account_id", "Account", kind="choice", choices="accounts", required=True)


def load_bills(ctx: ServiceContext, data: FormData) -> None:
    """The unpaid bills; with none, one sentence instead of a form with an empty list."""
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


# -- accounts ------------------------------------------------------------------------------
def _create_account(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    payload = clean(values, "owner")
    owner = contact_id_by_number(ctx.engine, values.get("owner") or "")
    if owner is None:
        raise ValidationFailed("No customer has that customer number.", "owner")
    result = accounts.create_account(ctx, {**payload, "contact_id": owner})
    return SaveResult(result.message, owner)


CREATE_ACCOUNT = ActionSpec(
    name="Create new Account",
    group=GROUP,
    service=accounts.create_account,
    input_model=accounts.CreateAccountInput,
    roles=("agent", "finance"),
    needs_customer=False,
    enabled_by_default=True,
    description="A financial account for the customer (or for the owner you name).",
    fields=(
        FormField(
            "owner",
            "Owner (customer number)",
            required=True,
            default=lambda d: str(d.extra.get("customer_number", "")),
        ),
        FormField("number", "Account number (blank = next free)"),
        FormField("name", "Account name"),
        FormField("currency", "Currency", placeholder="EUR (blank = default)"),
        FormField("billing_address", "Billing address"),
        FormField("payment_terms_days", "Payment terms (days)", kind="int"),
    ),
    submit=_create_account,
    error_keys={"contact_id": "owner"},
)


# -- bills, invoices, payments -------------------------------------------------------------
PAY_BILL = ActionSpec(
    name="Pay a Bill",
    group=GROUP,
    service=payments.pay_bill,
    input_model=payments.PayBillInput,
    roles=("agent", "finance"),
    fields=(
        FormField(
            "bill_id",
            "Bill (latest first)",
            kind="choice",
            choices="bills",
            required=True,
            default=lambda d: picked(d, "bill_id"),
        ),
        FormField(
            "amount", "Amount", kind="money", placeholder="blank = the bill's outstanding amount"
        ),
        FormField(
            "method", "Method", kind="choice", choices=METHODS, default="cash", required=True
        ),
        FormField("reference", "Reference"),
    ),
    load=load_bills,
)

POST_INVOICE = ActionSpec(
    name="Post an Invoice",
    group=GROUP,
    service=payments.post_invoice,
    input_model=payments.PostInvoiceInput,
    roles=("finance",),
    fields=(
        ACCOUNT_FIELD,
        FormField("amount", "Amount", kind="money", required=True),
        FormField("description", "Description", required=True),
        FormField("due_date", "Due date", kind="date"),
    ),
    load=load_accounts,
)

POST_PAYMENT = ActionSpec(
    name="Post a Payment",
    group=GROUP,
    service=payments.post_payment,
    input_model=payments.PostPaymentInput,
    roles=("agent", "finance"),
    description="A payment on account; more than the balance leaves a credit.",
    fields=(
        ACCOUNT_FIELD,
        FormField("amount", "Amount", kind="money", required=True),
        FormField(
            "method", "Method", kind="choice", choices=METHODS, default="cash", required=True
        ),
        FormField("reference", "Reference"),
    ),
    load=load_accounts,
)


TRANSFER_BALANCE = ActionSpec(
    name="Transfer Balance",
    group=GROUP,
    service=transfers.transfer_balance,
    input_model=transfers.TransferBalanceInput,
    roles=("agent", "finance"),
    description="Move the customer's credit from one of their accounts to another.",
    fields=(
        FormField(
            "from_account_id", "From account", kind="choice", choices="accounts", required=True
        ),
        FormField(
            "to_account_id",
            "To account",
            kind="choice",
            choices="accounts",
            required=True,
            default=lambda d: d.lists["accounts"][1][0] if len(d.lists["accounts"]) > 1 else "",
        ),
        FormField("amount", "Amount", kind="money", required=True),
        FormField("reason", "Reason", max_length=120),
    ),
    load=load_accounts,
)


# -- rewards -------------------------------------------------------------------------------
def load_reward_transactions(ctx: ServiceContext, data: FormData) -> None:
    assert data.contact_id is not None
    rows = {}
    for participant in participants_of_contact(ctx.engine, data.contact_id):
        for row in reward_transactions(ctx.engine, participant.id or 0):
            rows[f"{row.kind}:{row.id}"] = (participant.number, row)
    picked = next(
        (
            f"{k}:{data.extra[f'reward_{k}_id']}"
            for k in ("award", "spend")
            if data.extra.get(f"reward_{k}_id") is not None
        ),
        None,
    )
    if picked in rows and rows[picked][1].state == "cancelled":
        raise RuleViolation(
            f"That {rows[picked][1].kind} transaction was already cancelled on "
            f"{rows[picked][1].cancelled_at:%Y-%m-%d}."
        )
    posted = {k: v for k, v in rows.items() if v[1].state == "posted"}
    if not posted:
        raise RuleViolation("This customer has no posted reward transaction to cancel.")
    data.lists["rewards"] = [
        (
            k,
            f"{r.created_at:%Y-%m-%d} · {r.kind.title()} · {number} · {r.points:+,} points"
            + (f" · {r.reason[:30]}" if r.reason else ""),
        )
        for k, (number, r) in posted.items()
    ]
    data.extra["rewards"] = posted
    data.extra["reward_default"] = picked if picked in posted else next(iter(posted))


def confirm_reward_cancel(data: FormData, values: dict[str, Any]) -> str | None:
    number, row = data.extra["rewards"].get(values.get("transaction") or "", (None, None))
    if row is None:
        return None
    moved = "taken back from" if row.kind == "award" else "given back to"
    return (
        f"Cancel the {row.kind} of {abs(row.points):,} points? They are {moved} {number}; "
        "a cancelled transaction stays listed and cannot be restored."
    )


def _cancel_reward(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    kind, _, rid = (values.get("transaction") or "").partition(":")
    result = rewards.cancel_reward_transaction(
        ctx, {"kind": kind, "transaction_id": rid, "reason": values.get("reason") or ""}
    )
    return SaveResult(result.message, data.contact_id)


CANCEL_REWARD_TRANSACTION = ActionSpec(
    name="Cancel Reward Transaction",
    group=GROUP,
    service=rewards.cancel_reward_transaction,
    input_model=rewards.CancelRewardInput,
    kind="status",
    entity="reward",
    keywords="rewards points award spend",
    description="Reverse an award (points taken back) or a spend (points given back).",
    fields=(
        FormField(
            "transaction",
            "Transaction",
            kind="choice",
            choices="rewards",
            required=True,
            default=lambda d: d.extra["reward_default"],
        ),
        FormField("reason", "Reason", max_length=150),
    ),
    load=load_reward_transactions,
    submit=_cancel_reward,
    confirm=confirm_reward_cancel,
    save_label="Cancel transaction",
    error_keys={"kind": "transaction", "transaction_id": "transaction"},
)
