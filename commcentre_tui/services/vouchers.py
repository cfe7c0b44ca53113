"""Purchase eVoucher, Use Wallet to Purchase Electronic Voucher, Use Voucher, Cancel eVoucher,
Retrieve Voucher Secret Number.

How vouchers move money (so the ledger invariant keeps holding):

- Purchase from the account: an **invoice** "eVoucher <serial>" raises the account balance.
- Purchase with the wallet: a wallet transaction ``voucher_purchase`` (−value); refused, with the
  wallet balance in the sentence, when the wallet holds less than the value.
- Use Voucher: a **credit note** on the account, or a wallet transaction ``voucher_use`` (+value).
  Only a sold voucher can be used, once.
- Cancel eVoucher: only unused (available or sold) vouchers; a sold one is refunded where it was
  paid from — a credit note on the account, or a wallet transaction ``voucher_refund``.

A voucher's state goes ``available → sold → used``, or to ``cancelled``. Secret numbers are never
returned by purchase (nor written to the audit trail); only roles with ``see_secrets`` may
retrieve one, and every retrieval — refusals included — is audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field
from sqlmodel import Session

from commcentre_tui.errors import RuleViolation, ValidationFailed
from commcentre_tui.models import Account, Voucher, Wallet, WalletTransaction, utcnow
from commcentre_tui.repo.audit import record, snapshot
from commcentre_tui.repo.billing_queries import (
    add_to_wallet,
    ensure_wallet,
    lock,
    lock_by,
    unused_number,
    wallet_of,
)
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import Actor, enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.ledger import charge_account, credit_account
from commcentre_tui.services.money import ZERO, FormInput, PositiveAmount, format_money
from commcentre_tui.text import quoted
from commcentre_tui.validation import parse_input

PURCHASE = "Purchase eVoucher"
WALLET_PURCHASE = "Use Wallet to Purchase Electronic Voucher"
USE = "Use Voucher"
CANCEL = "Cancel eVoucher"

#: Voucher columns safe for the audit trail (everything but the secret number).
AUDIT_FIELDS = (
    "serial",
    "value",
    "currency",
    "state",
    "account_id",
    "paid_from",
    "used_by_account_id",
    "sold_at",
    "used_at",
    "cancelled_at",
    "version",
)


class PurchaseVoucherInput(FormInput):
    """Purchase eVoucher: a new voucher of ``value``, or the stock voucher ``serial``."""

    account_id: int = Field(title="Account", gt=0)
    value: PositiveAmount | None = Field(default=None, title="Value")
    serial: str | None = Field(default=None, title="Serial", max_length=30)
    pay_from: Literal["account", "wallet"] = Field(default="account", title="Pay from")


class WalletPurchaseInput(FormInput):
    """Use Wallet to Purchase Electronic Voucher: paid from the account's wallet."""

    account_id: int = Field(title="Account", gt=0)
    value: PositiveAmount | None = Field(default=None, title="Value")
    serial: str | None = Field(default=None, title="Serial", max_length=30)


class UseVoucherInput(FormInput):
    """Use Voucher: serial and secret number; credits the wallet (default) or the account."""

    serial: str = Field(title="Serial", min_length=1, max_length=30)
    secret_number: str = Field(title="Secret number", min_length=1, max_length=30)
    account_id: int = Field(title="Account", gt=0)
    credit_to: Literal["wallet", "account"] = Field(default="wallet", title="Credit to")


class CancelVoucherInput(FormInput):
    """Cancel eVoucher by serial."""

    serial: str = Field(title="Serial", min_length=1, max_length=30)
    reason: str = Field(default="", title="Reason", max_length=200)


@dataclass(frozen=True)
class VoucherResult:
    """A voucher after the action, and the balances it moved (``None`` = not touched)."""

    voucher_id: int
    serial: str
    value: Decimal
    currency: str
    state: str
    account_balance: Decimal | None
    wallet_balance: Decimal | None
    message: str


def _new_secret() -> str:
    return f"{secrets.randbelow(10**16):016d}"


def _wallet_debit(
    session: Session, actor: Actor, account: Account, amount: Decimal, serial: str
) -> Decimal:
    """Take ``amount`` from the account's wallet or refuse, naming what the wallet holds."""
    wallet = wallet_of(session, account.id)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
    new = add_to_wallet(session, wallet.id, -amount) if wallet else None  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
    if new is None or wallet is None:
        current = wallet_of(session, account.id)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        have = current.balance if current else ZERO
        cur = account.currency
        raise RuleViolation(
            f"The wallet of account {account.number} holds {format_money(have, cur)}, less than "
            f"the {format_money(amount, cur)} needed; top it up or pay from the account."
        )
    session.add(
        WalletTransaction(
            wallet_id=wallet.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            amount=-amount,
            kind="voucher_purchase",
            description=f"eVoucher {serial}",
            agent_id=actor.agent_id,
        )
    )
    return new


def _wallet_credit(
    session: Session, actor: Actor, account: Account, amount: Decimal, kind: str, description: str
) -> Decimal:
    wallet: Wallet = ensure_wallet(session, account)
    new = add_to_wallet(session, wallet.id, amount)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
    assert new is not None
    session.add(
        WalletTransaction(
            wallet_id=wallet.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            amount=amount,
            kind=kind,
            description=description,
            agent_id=actor.agent_id,
        )
    )
    return new


def _set(session: Session, voucher: Voucher, values: dict[str, Any]) -> Voucher:
    return update_versioned(session, Voucher, voucher.id, voucher.version, values)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here


def _result(
    v: Voucher, account_balance: Decimal | None, wallet_balance: Decimal | None, message: str
) -> VoucherResult:
    assert v.id is not None
    return VoucherResult(
        v.id, v.serial, v.value, v.currency, v.state, account_balance, wallet_balance, message
    )


def _purchase(
    ctx: ServiceContext, account_id: int, value: Decimal | None, serial: str | None, pay_from: str
) -> VoucherResult:
    action = PURCHASE if pay_from == "account" else WALLET_PURCHASE
    enforce(ctx.engine, ctx.actor, entity="voucher", level="edit", action=action)
    if value is None and not serial:
        raise ValidationFailed(
            "Enter the voucher value, or the serial of a voucher in stock.", "value"
        )
    with transaction(ctx.engine) as session:
        voucher: Voucher | None = None
        if serial:
            voucher = lock_by(session, Voucher.serial, serial)  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
            if voucher is None:
                raise ValidationFailed(
                    f"There is no voucher with serial {quoted(serial)}.", "serial"
                )
            if voucher.state != "available":
                raise RuleViolation(
                    f"Voucher {quoted(serial)} is {voucher.state}; only available vouchers can be sold."
                )
            if value is not None and value != voucher.value:
                raise ValidationFailed(
                    f"Voucher {serial} is worth {voucher.value}, not {value}.", "value"
                )
        account = lock(session, Account, account_id, what="account")
        cur = account.currency
        if voucher is None:
            assert value is not None
            voucher = Voucher(
                serial=unused_number(session, "voucher", Voucher.serial),  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
                secret_number=_new_secret(),
                value=value,
                currency=cur,
            )
            session.add(voucher)
            session.flush()
        elif voucher.currency != cur:
            raise RuleViolation(
                f"Voucher {voucher.serial} is in {voucher.currency}; account "
                f"{account.number} is in {cur}."
            )
        before = snapshot(voucher, AUDIT_FIELDS)
        account_balance = wallet_balance = None
        if pay_from == "account":
            _, account_balance = charge_account(
                session, ctx.actor, account, voucher.value, f"eVoucher {voucher.serial}"
            )
        else:
            wallet_balance = _wallet_debit(
                session, ctx.actor, account, voucher.value, voucher.serial
            )
        voucher = _set(
            session,
            voucher,
            {"state": "sold", "account_id": account.id, "paid_from": pay_from, "sold_at": utcnow()},
        )
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=action,
            entity="voucher",
            entity_id=voucher.id,
            before=before,
            after=snapshot(voucher, AUDIT_FIELDS),
            detail=f"paid from {pay_from}",
        )
        paid = (
            f"charged to account {account.number}"
            if pay_from == "account"
            else f"paid from the wallet, which now holds {format_money(wallet_balance, cur)}"  # type: ignore[arg-type]  # this branch runs only when a wallet paid, so the balance is set
        )
        return _result(
            voucher,
            account_balance,
            wallet_balance,
            f"eVoucher {voucher.serial} of {format_money(voucher.value, cur)} sold, {paid}.",
        )


def purchase_voucher(
    ctx: ServiceContext, data: PurchaseVoucherInput | Mapping[str, Any]
) -> VoucherResult:
    """Purchase eVoucher, charged to the account (an invoice) or, with ``pay_from=wallet``, the wallet."""
    inp = parse_input(PurchaseVoucherInput, data)
    return _purchase(ctx, inp.account_id, inp.value, inp.serial, inp.pay_from)


def wallet_purchase_voucher(
    ctx: ServiceContext, data: WalletPurchaseInput | Mapping[str, Any]
) -> VoucherResult:
    """Use Wallet to Purchase Electronic Voucher: debits the wallet; refused when it is short."""
    inp = parse_input(WalletPurchaseInput, data)
    return _purchase(ctx, inp.account_id, inp.value, inp.serial, "wallet")


def use_voucher(ctx: ServiceContext, data: UseVoucherInput | Mapping[str, Any]) -> VoucherResult:
    """Use Voucher: credit its value to the wallet or the account, once."""
    inp = parse_input(UseVoucherInput, data)
    enforce(ctx.engine, ctx.actor, entity="voucher", level="edit", action=USE)
    with transaction(ctx.engine) as session:
        voucher = lock_by(session, Voucher.serial, inp.serial)  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
        if voucher is None:
            raise ValidationFailed(
                f"There is no voucher with serial {quoted(inp.serial)}.", "serial"
            )
        if not secrets.compare_digest(voucher.secret_number, inp.secret_number):
            raise ValidationFailed(
                f"The secret number does not match voucher {inp.serial}.", "secret_number"
            )
        if voucher.state == "used":
            raise RuleViolation(
                f"Voucher {voucher.serial} was already used on {voucher.used_at:%Y-%m-%d}."
            )
        if voucher.state == "cancelled":
            raise RuleViolation(f"Voucher {voucher.serial} was cancelled, so it cannot be used.")
        if voucher.state != "sold":
            raise RuleViolation(
                f"Voucher {voucher.serial} has not been sold yet, so it cannot be used."
            )
        account = lock(session, Account, inp.account_id, what="account")
        cur = account.currency
        if voucher.currency != cur:
            raise RuleViolation(
                f"Voucher {voucher.serial} is in {voucher.currency}; account "
                f"{account.number} is in {cur}."
            )
        before = snapshot(voucher, AUDIT_FIELDS)
        account_balance = wallet_balance = None
        if inp.credit_to == "account":
            _, account_balance = credit_account(
                session, ctx.actor, account, voucher.value, f"eVoucher {voucher.serial} used"
            )
            where = f"credited to account {account.number}"
        else:
            wallet_balance = _wallet_credit(
                session,
                ctx.actor,
                account,
                voucher.value,
                "voucher_use",
                f"eVoucher {voucher.serial} used",
            )
            where = f"added to the wallet, which now holds {format_money(wallet_balance, cur)}"
        voucher = _set(
            session,
            voucher,
            {"state": "used", "used_by_account_id": account.id, "used_at": utcnow()},
        )
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=USE,
            entity="voucher",
            entity_id=voucher.id,
            before=before,
            after=snapshot(voucher, AUDIT_FIELDS),
            detail=f"credited to {inp.credit_to} of account {account.number}",
        )
        return _result(
            voucher,
            account_balance,
            wallet_balance,
            f"eVoucher {voucher.serial} used: {format_money(voucher.value, cur)} {where}.",
        )


def cancel_voucher(
    ctx: ServiceContext, data: CancelVoucherInput | Mapping[str, Any]
) -> VoucherResult:
    """Cancel eVoucher: only unused ones; a sold one is refunded to where it was paid from."""
    inp = parse_input(CancelVoucherInput, data)
    enforce(ctx.engine, ctx.actor, entity="voucher", level="edit", action=CANCEL)
    with transaction(ctx.engine) as session:
        voucher = lock_by(session, Voucher.serial, inp.serial)  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
        if voucher is None:
            raise ValidationFailed(
                f"There is no voucher with serial {quoted(inp.serial)}.", "serial"
            )
        if voucher.state == "used":
            raise RuleViolation(
                f"Voucher {voucher.serial} was already used, so it cannot be cancelled."
            )
        if voucher.state == "cancelled":
            raise RuleViolation(f"Voucher {voucher.serial} is already cancelled.")
        before = snapshot(voucher, AUDIT_FIELDS)
        account_balance = wallet_balance = None
        refund = "it had not been sold, so nothing is refunded"
        if voucher.state == "sold" and voucher.account_id is not None:
            account = lock(session, Account, voucher.account_id, what="account")
            cur = account.currency
            why = f"eVoucher {voucher.serial} cancelled" + (f": {inp.reason}" if inp.reason else "")
            if voucher.paid_from == "wallet":
                wallet_balance = _wallet_credit(
                    session, ctx.actor, account, voucher.value, "voucher_refund", why
                )
                refund = f"{format_money(voucher.value, cur)} refunded to the wallet"
            else:
                _, account_balance = credit_account(session, ctx.actor, account, voucher.value, why)
                refund = f"{format_money(voucher.value, cur)} credited to account {account.number}"
        voucher = _set(session, voucher, {"state": "cancelled", "cancelled_at": utcnow()})
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=CANCEL,
            entity="voucher",
            entity_id=voucher.id,
            before=before,
            after=snapshot(voucher, AUDIT_FIELDS),
            detail=inp.reason,
        )
        return _result(
            voucher,
            account_balance,
            wallet_balance,
            f"eVoucher {voucher.serial} cancelled; {refund}.",
        )
