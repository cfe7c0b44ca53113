"""Create new Account: a contact's financial account, opened with an empty wallet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy.exc import IntegrityError

from commcentre_tui.errors import ValidationFailed
from commcentre_tui.models import Account, Contact, Wallet
from commcentre_tui.repo.audit import record, snapshot
from commcentre_tui.repo.billing_queries import exists, unused_number
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.money import FormInput
from commcentre_tui.validation import parse_input

ACTION = "Create new Account"


class CreateAccountInput(FormInput):
    """The Create new Account form. Empty number/currency/terms take the configured defaults."""

    contact_id: int = Field(title="Owner", gt=0)
    number: str | None = Field(
        default=None, title="Account number", max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$"
    )
    name: str = Field(default="", title="Account name", max_length=100)
    currency: str | None = Field(default=None, title="Currency", pattern=r"^[A-Z]{3}$")
    billing_address: str = Field(default="", title="Billing address", max_length=400)
    payment_terms_days: int | None = Field(default=None, title="Payment terms (days)", ge=0, le=365)

    @field_validator("number", "currency", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() or None
        return value


@dataclass(frozen=True)
class AccountResult:
    """The account opened."""

    account_id: int
    number: str
    currency: str
    wallet_id: int
    message: str


def create_account(
    ctx: ServiceContext, data: CreateAccountInput | Mapping[str, Any]
) -> AccountResult:
    """Open an account (number generated unless given, unique) and its wallet for a contact."""
    inp = parse_input(CreateAccountInput, data)
    enforce(ctx.engine, ctx.actor, entity="account", level="edit", action=ACTION)
    taken = (
        f"Account number {inp.number} is already in use; type another or leave it empty "
        "for the next free number."
    )
    with transaction(ctx.engine) as session:
        contact = session.get(Contact, inp.contact_id)
        if contact is None:
            raise ValidationFailed(
                f"Choose the contact who owns the account; there is no contact {inp.contact_id}.",
                "contact_id",
            )
        if inp.number and exists(session, Account.number, inp.number):  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
            raise ValidationFailed(taken, "number")
        number = inp.number or unused_number(session, "account", Account.number)  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
        account = Account(
            contact_id=inp.contact_id,
            number=number,
            name=inp.name or contact.display_name,
            currency=inp.currency or ctx.settings.billing.currency,
            billing_address=inp.billing_address,
            payment_terms_days=(
                ctx.settings.billing.payment_terms_days
                if inp.payment_terms_days is None
                else inp.payment_terms_days
            ),
        )
        session.add(account)
        try:
            session.flush()
        except IntegrityError:
            raise ValidationFailed(taken, "number") from None
        wallet = Wallet(account_id=account.id, currency=account.currency)  # type: ignore[arg-type]  # the row's id is typed int | None; it is flushed or loaded here
        session.add(wallet)
        session.flush()
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=ACTION,
            entity="account",
            entity_id=account.id,
            after=snapshot(account),
            detail=f"Account {number} for {contact.customer_number}, wallet {wallet.id}",
        )
        assert account.id is not None and wallet.id is not None
        return AccountResult(
            account_id=account.id,
            number=number,
            currency=account.currency,
            wallet_id=wallet.id,
            message=f"Account {number} ({account.currency}) opened for {contact.display_name}.",
        )
