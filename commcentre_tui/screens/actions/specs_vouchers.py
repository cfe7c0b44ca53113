"""Voucher action forms: Purchase eVoucher, Use Wallet to Purchase Electronic Voucher, Use
Voucher, Cancel eVoucher and Retrieve Voucher Secret Number (its secret in a dialog)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commcentre_tui.screens.actions.spec import (
    ActionSpec,
    FieldSpec,
    FormData,
    SaveResult,
    register,
)
from commcentre_tui.screens.actions.specs_crm import clean
from commcentre_tui.screens.actions.specs_finance import (
    ACCOUNT_FIELD,
    _service,
    _simple,
    load_accounts,
)
from commcentre_tui.services.context import ServiceContext

# -- vouchers ------------------------------------------------------------------------------
SERIAL = FieldSpec("serial", "Voucher serial", required=True, placeholder="e.g. V000000123")

register(ActionSpec(
    name="Purchase eVoucher",
    fields=(ACCOUNT_FIELD, FieldSpec("value", "Value", kind="money", required=True),
            FieldSpec("pay_from", "Pay from", kind="choice", required=True, default="account",
                      choices=[("account", "Account (adds to the balance)"), ("wallet", "Wallet")])),
    load=load_accounts,
    submit=_simple("vouchers.purchase_voucher"),
))

register(ActionSpec(
    name="Use Wallet to Purchase Electronic Voucher",
    fields=(ACCOUNT_FIELD, FieldSpec("value", "Value", kind="money", required=True)),
    load=load_accounts,
    submit=_simple("vouchers.wallet_purchase_voucher"),
))

register(ActionSpec(
    name="Use Voucher",
    fields=(SERIAL, FieldSpec("secret_number", "Secret number", required=True), ACCOUNT_FIELD,
            FieldSpec("credit_to", "Credit to", kind="choice", required=True, default="wallet",
                      choices=[("wallet", "Wallet"), ("account", "Account")])),
    load=load_accounts,
    submit=_simple("vouchers.use_voucher"),
))

register(ActionSpec(
    name="Cancel eVoucher",
    description="Only unused vouchers; the value is refunded to where it was paid from.",
    fields=(SERIAL, FieldSpec("reason", "Reason")),
    submit=_simple("vouchers.cancel_voucher"),
    confirm=lambda _data, values: (f"Cancel voucher {values.get('serial')}? Its value is refunded to where "
                                   "it was paid from, and it can never be used."),
    save_label="Cancel voucher",
))


@dataclass(frozen=True)
class SecretResult(SaveResult):
    """A retrieved voucher secret: the notification only says it was retrieved; the secret is
    shown in a dialog that stays until the agent dismisses it (``show`` opens it)."""

    serial: str = ""
    details: str = ""
    secret: str = ""

    def show(self, app: Any) -> None:
        from commcentre_tui.dialogs.secret import SecretDialog

        app.push_screen(SecretDialog(self.serial, self.details, self.secret))


def retrieve_secret(ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
    result = _service("vouchers.retrieve_voucher_secret")(ctx, clean(values))
    return SecretResult(f"Secret number of {result.serial} retrieved (the retrieval is audited).",
                        data.contact_id, serial=result.serial,
                        details=f"{result.state}, {result.currency} {result.value}",
                        secret=result.secret_number)


register(ActionSpec(
    name="Retrieve Voucher Secret Number",
    description="Shown only to roles allowed to see secrets; every retrieval is audited.",
    fields=(SERIAL,),
    submit=retrieve_secret,
    save_label="Retrieve",
))
