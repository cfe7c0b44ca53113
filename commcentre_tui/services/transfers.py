"""Transfer Balance: move a customer's credit from one of their accounts to another.

Sign convention as in :mod:`.payments`: a negative balance is a credit in the customer's favour.
The transfer is two ledger entries in one transaction: an invoice on the source account (its
credit shrinks) and a credit note on the target account (its balance falls by the same amount),
with one audit entry naming both. Only credit the customer has can move: at most the source's
credit, between two accounts of the same customer in the same currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlmodel import Session

from commcentre_tui.errors import NotFound, RuleViolation, ValidationFailed
from commcentre_tui.models import Account
from commcentre_tui.repo.audit import record
from commcentre_tui.repo.billing_queries import lock
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.ledger import balance_state, charge_account, credit_account
from commcentre_tui.services.money import FormInput, PositiveAmount, format_money
from commcentre_tui.validation import parse_input

TRANSFER_BALANCE = "Transfer Balance"


class TransferBalanceInput(FormInput):
    """The Transfer Balance form: from and to account, amount, an optional reason."""

    from_account_id: int = Field(title="From account", gt=0)
    to_account_id: int = Field(title="To account", gt=0)
    amount: PositiveAmount = Field(title="Amount")
    reason: str = Field(default="", title="Reason", max_length=120)


@dataclass(frozen=True)
class TransferResult:
    """A transfer: the two ledger entries and both balances after it."""

    invoice_id: int
    credit_id: int
    amount: Decimal
    currency: str
    from_balance: Decimal
    to_balance: Decimal
    message: str


def _locked(session: Session, account_id: int, field: str) -> Account:
    try:
        return lock(session, Account, account_id, what="account")
    except NotFound:
        raise ValidationFailed(f"There is no account {account_id}.", field) from None


def _check(source: Account, target: Account, amount: Decimal) -> None:
    """Refuse, in one sentence, a transfer the rules do not allow."""
    if source.contact_id != target.contact_id:
        raise RuleViolation(
            f"Account {target.number} belongs to another customer; a balance moves "
            "only between accounts of one customer."
        )
    if source.currency != target.currency:
        raise RuleViolation(
            f"Account {source.number} is in {source.currency} and {target.number} "
            f"in {target.currency}; a balance moves only between accounts in one "
            "currency."
        )
    credit = -source.balance
    if credit <= 0:
        raise RuleViolation(
            f"Account {source.number} has no credit to transfer: it "
            f"{balance_state(source.balance, source.currency)}."
        )
    if amount > credit:
        most = format_money(credit, source.currency)
        raise RuleViolation(
            f"Account {source.number} has a credit of only {most}; transfer at most {most}."
        )


def transfer_balance(
    ctx: ServiceContext, data: TransferBalanceInput | Mapping[str, Any]
) -> TransferResult:
    """Transfer Balance: move ``amount`` of credit from one account of a customer to another."""
    inp = parse_input(TransferBalanceInput, data)
    enforce(ctx.engine, ctx.actor, entity="account", level="edit", action=TRANSFER_BALANCE)
    if inp.from_account_id == inp.to_account_id:
        raise ValidationFailed(
            "Choose another account: the balance cannot move to the account it comes from.",
            "to_account_id",
        )
    with transaction(ctx.engine) as session:
        # Both accounts locked in id order, so two opposite transfers cannot deadlock.
        ids = sorted(
            [(inp.from_account_id, "from_account_id"), (inp.to_account_id, "to_account_id")]
        )
        locked = {account_id: _locked(session, account_id, field) for account_id, field in ids}
        source, target = locked[inp.from_account_id], locked[inp.to_account_id]
        _check(source, target, inp.amount)
        before = {
            "from": {"account": source.number, "balance": str(source.balance)},
            "to": {"account": target.number, "balance": str(target.balance)},
        }
        why = f" ({inp.reason})" if inp.reason else ""
        invoice, from_balance = charge_account(
            session,
            ctx.actor,
            source,
            inp.amount,
            f"Balance transferred to account {target.number}{why}",
            due_date=date.today(),
        )
        credit, to_balance = credit_account(
            session,
            ctx.actor,
            target,
            inp.amount,
            f"Balance transferred from account {source.number}{why}",
        )
        assert invoice.id is not None and credit.id is not None
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=TRANSFER_BALANCE,
            entity="account",
            entity_id=source.id,
            before=before,
            after={
                "from": {
                    "account": source.number,
                    "balance": str(from_balance),
                    "invoice": invoice.number,
                },
                "to": {
                    "account": target.number,
                    "balance": str(to_balance),
                    "credit_id": credit.id,
                },
                "amount": str(inp.amount),
                "reason": inp.reason,
            },
        )
        cur = source.currency
        return TransferResult(
            invoice.id,
            credit.id,
            inp.amount,
            cur,
            from_balance,
            to_balance,
            f"Moved {format_money(inp.amount, cur)} from account {source.number} to "
            f"{target.number}: {source.number} now {balance_state(from_balance, cur)}, {target.number} "
            f"{balance_state(to_balance, cur)}.",
        )
