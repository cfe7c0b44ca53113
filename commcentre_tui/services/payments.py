"""Pay a Bill, Post an Invoice, Post a Payment and credit notes.

Sign convention: ``account.balance`` > 0 means the customer owes money; < 0 is a credit in the
customer's favour. Invoices and bills raise the balance, payments and credits lower it.

**Pay a Bill** settles one bill: the amount (default: what is outstanding) may be less than
what is outstanding (the bill becomes ``partly_paid``) but never more — an overpayment of a bill
is refused with the outstanding amount, and the agent can use **Post a Payment**, which is not
tied to a bill and may leave the account in credit. The bill row is locked (``FOR UPDATE``) and
version-checked, so of two agents paying the same bill at once exactly one succeeds in full; the
other is told the new outstanding amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, get_args

from pydantic import Field
from sqlmodel import Session

from commcentre_tui.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from commcentre_tui.models import Account, Bill, Payment
from commcentre_tui.repo.audit import record, snapshot
from commcentre_tui.repo.billing_queries import (
    add_to_balance,
    latest_unpaid_bill_id,
    lock,
    unused_number,
)
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.ledger import balance_phrase, charge_account, credit_account
from commcentre_tui.services.money import FormInput, PositiveAmount, format_money
from commcentre_tui.validation import parse_input

PAY_BILL = "Pay a Bill"
POST_INVOICE = "Post an Invoice"
POST_PAYMENT = "Post a Payment"
POST_CREDIT = "Post a Credit"

#: How a payment is made: the one list the inputs validate against and the forms offer.
PaymentMethod = Literal["cash", "card", "bank_transfer", "cheque", "direct_debit"]
PAYMENT_METHODS: tuple[str, ...] = get_args(PaymentMethod)


class PayBillInput(FormInput):
    """Pay a Bill: the bill (default: the account's latest unpaid one), amount, method."""

    bill_id: int | None = Field(default=None, title="Bill", gt=0)
    account_id: int | None = Field(default=None, title="Account", gt=0)
    """Used to find the latest unpaid bill when ``bill_id`` is empty."""
    amount: PositiveAmount | None = Field(default=None, title="Amount")
    """Empty means the bill's whole outstanding amount."""
    method: PaymentMethod = Field(default="cash", title="Method")
    reference: str = Field(default="", title="Reference", max_length=100)
    expected_version: int | None = Field(default=None, title="Version")
    """The bill version the form showed; if another payment landed since, the call is refused."""


class PostInvoiceInput(FormInput):
    """Post an Invoice against an account."""

    account_id: int = Field(title="Account", gt=0)
    amount: PositiveAmount = Field(title="Amount")
    description: str = Field(title="Description", min_length=1, max_length=400)
    due_date: date | None = Field(default=None, title="Due date")
    """Empty means today plus the account's payment terms."""


class PostPaymentInput(FormInput):
    """Post a Payment on account (not tied to a bill; may leave a credit)."""

    account_id: int = Field(title="Account", gt=0)
    amount: PositiveAmount = Field(title="Amount")
    method: PaymentMethod = Field(default="cash", title="Method")
    reference: str = Field(default="", title="Reference", max_length=100)


class PostCreditInput(FormInput):
    """A credit note lowering the account balance."""

    account_id: int = Field(title="Account", gt=0)
    amount: PositiveAmount = Field(title="Amount")
    reason: str = Field(title="Reason", min_length=1, max_length=200)


@dataclass(frozen=True)
class PaymentResult:
    """A recorded payment; the bill fields are ``None`` for a payment on account."""

    payment_id: int
    number: str
    amount: Decimal
    currency: str
    account_balance: Decimal
    bill_id: int | None
    bill_number: str | None
    bill_status: str | None
    bill_outstanding: Decimal | None
    message: str


@dataclass(frozen=True)
class InvoiceResult:
    """A posted invoice."""

    invoice_id: int
    number: str
    amount: Decimal
    due_date: date
    account_balance: Decimal
    message: str


@dataclass(frozen=True)
class CreditResult:
    """A posted credit note."""

    credit_id: int
    amount: Decimal
    account_balance: Decimal
    message: str


# --- in-transaction helpers (the shared ones: services/ledger.py) ------------------------------


def _account(session: Session, account_id: int) -> Account:
    """The account, locked: taken before any business number (the lock order)."""
    try:
        return lock(session, Account, account_id, what="account")
    except NotFound:
        raise ValidationFailed(f"There is no account {account_id}.", "account_id") from None


def _latest_unpaid(session: Session, account_id: int) -> int:
    """The latest unpaid bill's id (no lock yet: the bill is locked before its account)."""
    account = session.get(Account, account_id)
    if account is None:
        raise ValidationFailed(f"There is no account {account_id}.", "account_id")
    bill_id = latest_unpaid_bill_id(session, account_id)
    if bill_id is None:
        raise RuleViolation(f"Account {account.number} has no unpaid bills.")
    return bill_id


# --- the services -----------------------------------------------------------------------------


def pay_bill(ctx: ServiceContext, data: PayBillInput | Mapping[str, Any]) -> PaymentResult:
    """Pay a Bill: record a payment against one bill; bill status and balance move together."""
    inp = parse_input(PayBillInput, data)
    enforce(ctx.engine, ctx.actor, entity="payment", level="edit", action=PAY_BILL)
    if inp.bill_id is None and inp.account_id is None:
        raise ValidationFailed("Choose the bill to pay.", "bill_id")
    with transaction(ctx.engine) as session:
        bill_id = inp.bill_id or _latest_unpaid(session, inp.account_id)  # type: ignore[arg-type]  # account_id is required by the input model
        try:
            bill = lock(session, Bill, bill_id, what="bill")
        except NotFound:
            raise ValidationFailed(f"There is no bill {bill_id}.", "bill_id") from None
        account = _account(session, bill.account_id)
        cur = account.currency
        outstanding = bill.amount - bill.paid_amount
        now_due = format_money(outstanding, cur)
        if inp.expected_version is not None and bill.version != inp.expected_version:
            raise Conflict(
                f"Another payment on bill {bill.number} was recorded a moment ago; "
                f"{now_due} is now outstanding."
            )
        if outstanding <= 0:
            raise RuleViolation(
                f"Bill {bill.number} is already paid in full; {now_due} is outstanding."
            )
        amount = inp.amount or outstanding
        if amount > outstanding:
            raise RuleViolation(
                f"The payment of {format_money(amount, cur)} is more than the {now_due} outstanding on "
                f"bill {bill.number}; enter at most {now_due}, or use Post a Payment to leave a "
                "credit on the account."
            )
        before = snapshot(bill, ("paid_amount", "status", "version"))
        paid = bill.paid_amount + amount
        bill = update_versioned(
            session,
            Bill,
            bill.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            bill.version,
            {"paid_amount": paid, "status": "paid" if paid == bill.amount else "partly_paid"},
        )
        payment = Payment(
            account_id=account.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            bill_id=bill.id,
            number=unused_number(session, "payment", Payment.number),  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
            amount=amount,
            method=inp.method,
            reference=inp.reference,
            agent_id=ctx.actor.agent_id,
        )
        session.add(payment)
        session.flush()
        balance = add_to_balance(session, account.id, -amount)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        left = bill.amount - bill.paid_amount
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=PAY_BILL,
            entity="payment",
            entity_id=payment.id,
            before={"bill": before, "account_balance": str(balance + amount)},
            after={
                **(snapshot(payment) or {}),
                "bill": snapshot(bill, ("paid_amount", "status", "version")),
                "account_balance": str(balance),
            },
        )
        state = (
            "the bill is paid"
            if left == 0
            else f"{format_money(left, cur)} is still outstanding on it"
        )
        assert payment.id is not None
        return PaymentResult(
            payment.id,
            payment.number,
            amount,
            cur,
            balance,
            bill.id,
            bill.number,
            bill.status,
            left,
            f"Payment {payment.number} of {format_money(amount, cur)} recorded on bill "
            f"{bill.number}; {state}, and {balance_phrase(balance, cur)}.",
        )


def post_payment(ctx: ServiceContext, data: PostPaymentInput | Mapping[str, Any]) -> PaymentResult:
    """Post a Payment on account; more than the balance leaves a credit (negative balance)."""
    inp = parse_input(PostPaymentInput, data)
    enforce(ctx.engine, ctx.actor, entity="payment", level="edit", action=POST_PAYMENT)
    with transaction(ctx.engine) as session:
        account = _account(session, inp.account_id)
        payment = Payment(
            account_id=account.id,  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
            number=unused_number(session, "payment", Payment.number),  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
            amount=inp.amount,
            method=inp.method,
            reference=inp.reference,
            agent_id=ctx.actor.agent_id,
        )
        session.add(payment)
        session.flush()
        balance = add_to_balance(session, account.id, -inp.amount)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=POST_PAYMENT,
            entity="payment",
            entity_id=payment.id,
            before={"account_balance": str(balance + inp.amount)},
            after={**(snapshot(payment) or {}), "account_balance": str(balance)},
        )
        cur = account.currency
        assert payment.id is not None
        return PaymentResult(
            payment.id,
            payment.number,
            inp.amount,
            cur,
            balance,
            None,
            None,
            None,
            None,
            f"Payment {payment.number} of {format_money(inp.amount, cur)} posted to account "
            f"{account.number}; {balance_phrase(balance, cur)}.",
        )


def post_invoice(ctx: ServiceContext, data: PostInvoiceInput | Mapping[str, Any]) -> InvoiceResult:
    """Post an Invoice: raises the account balance; due by the account's payment terms."""
    inp = parse_input(PostInvoiceInput, data)
    enforce(ctx.engine, ctx.actor, entity="invoice", level="edit", action=POST_INVOICE)
    if inp.due_date is not None and inp.due_date < date.today():
        raise ValidationFailed("The due date must be today or later.", "due_date")
    with transaction(ctx.engine) as session:
        account = _account(session, inp.account_id)
        invoice, balance = charge_account(
            session, ctx.actor, account, inp.amount, inp.description, inp.due_date
        )
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=POST_INVOICE,
            entity="invoice",
            entity_id=invoice.id,
            before={"account_balance": str(balance - inp.amount)},
            after={**(snapshot(invoice) or {}), "account_balance": str(balance)},
        )
        cur = account.currency
        assert invoice.id is not None and invoice.due_date is not None
        return InvoiceResult(
            invoice.id,
            invoice.number,
            inp.amount,
            invoice.due_date,
            balance,
            f"Invoice {invoice.number} of {format_money(inp.amount, cur)} posted, due "
            f"{invoice.due_date}; {balance_phrase(balance, cur)}.",
        )


def post_credit(ctx: ServiceContext, data: PostCreditInput | Mapping[str, Any]) -> CreditResult:
    """Post a credit note: lowers the account balance (may leave a credit)."""
    inp = parse_input(PostCreditInput, data)
    enforce(ctx.engine, ctx.actor, entity="credit", level="edit")
    with transaction(ctx.engine) as session:
        account = _account(session, inp.account_id)
        credit, balance = credit_account(session, ctx.actor, account, inp.amount, inp.reason)
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=POST_CREDIT,
            entity="credit",
            entity_id=credit.id,
            before={"account_balance": str(balance + inp.amount)},
            after={**(snapshot(credit) or {}), "account_balance": str(balance)},
        )
        cur = account.currency
        assert credit.id is not None
        return CreditResult(
            credit.id,
            inp.amount,
            balance,
            f"Credit of {format_money(inp.amount, cur)} posted to account {account.number}; "
            f"{balance_phrase(balance, cur)}.",
        )
