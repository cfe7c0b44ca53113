"""In-transaction building blocks of the money services (payments, transfers, vouchers): post an
invoice or a credit note on a locked account, and how a balance reads in a message."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from commcentre_tui.models import Account, Credit, Invoice
from commcentre_tui.repo.billing_queries import add_to_balance, unused_number
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.money import format_money


def balance_state(balance: Decimal, currency: str) -> str:
    """``owes 5.00 EUR``, ``has a credit of 5.00 EUR`` or ``owes nothing``."""
    if balance > 0:
        return f"owes {format_money(balance, currency)}"
    if balance < 0:
        return f"has a credit of {format_money(-balance, currency)}"
    return "owes nothing"


def balance_phrase(balance: Decimal, currency: str) -> str:
    """How the balance reads in a message: owes X, has a credit of X, or nothing owed."""
    return (
        f"the account {balance_state(balance, currency)}"
        if balance
        else "nothing is owed on the account"
    )


def charge_account(
    session: Session,
    actor: Actor,
    account: Account,
    amount: Decimal,
    description: str,
    due_date: date | None = None,
) -> tuple[Invoice, Decimal]:
    """Post an invoice for ``amount`` and raise the balance; returns it and the new balance.

    The caller has locked ``account`` already (see the lock order in ``repo.billing_queries``).
    """
    invoice = Invoice(
        account_id=account.id,  # type: ignore[arg-type]  # a stored row: its id is set
        number=unused_number(session, "invoice", Invoice.number),  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
        description=description,
        amount=amount,
        agent_id=actor.agent_id,
        due_date=due_date or date.today() + timedelta(days=account.payment_terms_days),
    )
    session.add(invoice)
    session.flush()
    return invoice, add_to_balance(session, account.id, amount)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here


def credit_account(
    session: Session, actor: Actor, account: Account, amount: Decimal, reason: str
) -> tuple[Credit, Decimal]:
    """Post a credit note for ``amount`` and lower the balance; returns it and the new balance."""
    credit = Credit(
        account_id=account.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        amount=amount,
        reason=reason[:200],
        agent_id=actor.agent_id,
    )
    session.add(credit)
    session.flush()
    return credit, add_to_balance(session, account.id, -amount)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
