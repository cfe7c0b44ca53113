"""Voucher action forms: Purchase eVoucher, Use Wallet to Purchase Electronic Voucher, Use
Voucher, Cancel eVoucher and Retrieve Voucher Secret Number (its secret in a dialog)."""

from __future__ import annotations

from typing import Any

from commcentre_tui.actions.billing import load_accounts
from commcentre_tui.actions.finance import ACCOUNT_FIELD, GROUP
from commcentre_tui.actions.spec import (
    ActionSpec,
    FormData,
    FormField,
    SaveResult,
    SecretShown,
    clean,
)
from commcentre_tui.services import voucher_secret, vouchers
from commcentre_tui.services.context import ServiceContext

# -- vouchers ------------------------------------------------------------------------------
SERIAL = FormField("serial", "Voucher serial", required=True, placeholder="e.g. V000000123")

PURCHASE_EVOUCHER = ActionSpec(
    name="Purchase eVoucher",
    group=GROUP,
    service=vouchers.purchase_voucher,
    input_model=vouchers.PurchaseVoucherInput,
    roles=("agent", "finance"),
    fields=(
        ACCOUNT_FIELD,
        FormField("value", "Value", kind="money", required=True),
        FormField(
            "pay_from",
            "Pay from",
            kind="choice",
            required=True,
            default="account",
            choices=[("account", "Account (adds to the balance)"), ("wallet", "Wallet")],
        ),
    ),
    load=load_accounts,
)

USE_WALLET_TO_PURCHASE = ActionSpec(
    name="Use Wallet to Purchase Electronic Voucher",
    group=GROUP,
    service=vouchers.wallet_purchase_voucher,
    input_model=vouchers.WalletPurchaseInput,
    roles=("agent", "finance"),
    fields=(ACCOUNT_FIELD, FormField("value", "Value", kind="money", required=True)),
    load=load_accounts,
)

USE_VOUCHER = ActionSpec(
    name="Use Voucher",
    group=GROUP,
    service=vouchers.use_voucher,
    input_model=vouchers.UseVoucherInput,
    roles=("agent", "finance"),
    fields=(
        SERIAL,
        FormField("secret_number", "Secret number", required=True),
        ACCOUNT_FIELD,
        FormField(
            "credit_to",
            "Credit to",
            kind="choice",
            required=True,
            default="wallet",
            choices=[("wallet", "Wallet"), ("account", "Account")],
        ),
    ),
    load=load_accounts,
)

CANCEL_EVOUCHER = ActionSpec(
    name="Cancel eVoucher",
    group=GROUP,
    service=vouchers.cancel_voucher,
    input_model=vouchers.CancelVoucherInput,
    roles=("finance",),
    description="Only unused vouchers; the value is refunded to where it was paid from.",
    fields=(SERIAL, FormField("reason", "Reason")),
    confirm=lambda _data, values: (
        f"Cancel voucher {values.get('serial')}? Its value is refunded to where "
        "it was paid from, and it can never be used."
    ),
    save_label="Cancel voucher",
)


def _retrieve_secret(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    result = voucher_secret.retrieve_voucher_secret(ctx, clean(values))
    return SecretShown(
        f"Secret number of {result.serial} retrieved (the retrieval is audited).",
        data.contact_id,
        serial=result.serial,
        details=f"{result.state}, {result.currency} {result.value}",
        secret=result.secret_number,
    )


RETRIEVE_SECRET = ActionSpec(
    name="Retrieve Voucher Secret Number",
    group=GROUP,
    service=voucher_secret.retrieve_voucher_secret,
    input_model=voucher_secret.RetrieveSecretInput,
    roles=("finance",),
    needs_customer=False,
    description="Shown only to roles allowed to see secrets; every retrieval is audited.",
    fields=(SERIAL,),
    submit=_retrieve_secret,
    save_label="Retrieve",
)
