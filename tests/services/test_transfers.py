"""Transfer Balance: a customer's credit moves between two of their accounts, both backends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui import models as m
from commcentre_tui.config import Settings
from commcentre_tui.errors import NotAllowed, RuleViolation, ValidationFailed
from commcentre_tui.repo.db import reading
from commcentre_tui.roles import RoleSettings
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.payments import post_invoice, post_payment
from commcentre_tui.services.transfers import transfer_balance

from . import factories as f

D = Decimal


def _two_accounts(ctx: ServiceContext, engine: Engine, credit: str = "30.00") -> tuple[int, int]:
    """Two accounts of one customer; the first has ``credit`` in the customer's favour."""
    owner = f.contact(engine)
    source, target = f.account(engine, owner.id), f.account(engine, owner.id)
    if D(credit) > 0:
        post_payment(ctx, {"account_id": source.id, "amount": credit})
    return source.id, target.id


def _numbers(engine: Engine, *ids: int) -> list[str]:
    with reading(engine) as session:
        return [session.get(m.Account, i).number for i in ids]  # type: ignore[union-attr]


def _entries(engine: Engine, model: type, account_id: int) -> int:
    with reading(engine) as session:
        return session.execute(
            select(func.count()).select_from(model).where(model.account_id == account_id)
        ).scalar_one()


def test_credit_moves_with_a_ledger_entry_on_each_account_and_one_audit_entry(
    ctx: ServiceContext, engine: Engine
) -> None:
    source, target = _two_accounts(ctx, engine)
    post_invoice(ctx, {"account_id": target, "amount": "12.00", "description": "Router"})
    a, b = _numbers(engine, source, target)
    result = transfer_balance(
        ctx,
        {"from_account_id": source, "to_account_id": target, "amount": "20.00", "reason": "merge"},
    )
    assert (result.from_balance, result.to_balance) == (D("-10.00"), D("-8.00"))
    assert (f.balance(engine, source), f.balance(engine, target)) == (D("-10.00"), D("-8.00"))
    assert result.message == (
        f"Moved 20.00 EUR from account {a} to {b}: {a} now has a credit of "
        f"10.00 EUR, {b} has a credit of 8.00 EUR."
    )
    assert _entries(engine, m.Invoice, source) == 1 and _entries(engine, m.Credit, target) == 1
    f.assert_books(engine, source)
    f.assert_books(engine, target)
    [entry] = f.audit_entries(engine, "Transfer Balance")
    assert (
        entry.before["from"]["balance"] == "-30.00" and entry.after["from"]["balance"] == "-10.00"
    )
    assert entry.after["to"]["balance"] == "-8.00" and entry.after["reason"] == "merge"


def test_the_whole_credit_may_move(ctx: ServiceContext, engine: Engine) -> None:
    source, target = _two_accounts(ctx, engine)
    transfer_balance(ctx, {"from_account_id": source, "to_account_id": target, "amount": "30.00"})
    assert (f.balance(engine, source), f.balance(engine, target)) == (D("0.00"), D("-30.00"))


@pytest.mark.parametrize(
    ("amount", "error", "sentence"),
    [
        ("0", ValidationFailed, "Amount must be more than 0.00."),
        ("-5.00", ValidationFailed, "Amount must be more than 0.00."),
        ("30.01", RuleViolation, "has a credit of only 30.00 EUR; transfer at most 30.00 EUR."),
    ],
)
def test_an_amount_that_is_not_there_to_move_is_refused_and_nothing_changes(
    ctx: ServiceContext, engine: Engine, amount: str, error: type, sentence: str
) -> None:
    source, target = _two_accounts(ctx, engine)
    before = f.row_counts(engine)
    with pytest.raises(error) as caught:
        transfer_balance(
            ctx, {"from_account_id": source, "to_account_id": target, "amount": amount}
        )
    assert sentence in str(caught.value)
    assert f.row_counts(engine) == before


def test_an_account_that_owes_has_nothing_to_transfer(ctx: ServiceContext, engine: Engine) -> None:
    source, target = _two_accounts(ctx, engine, credit="0")
    post_invoice(ctx, {"account_id": source, "amount": "12.00", "description": "Router"})
    [a] = _numbers(engine, source)
    with pytest.raises(
        RuleViolation, match=f"^Account {a} has no credit to transfer: it owes 12.00 EUR.$"
    ):
        transfer_balance(
            ctx, {"from_account_id": source, "to_account_id": target, "amount": "1.00"}
        )


def test_the_same_account_twice_is_refused_beside_the_to_field(
    ctx: ServiceContext, engine: Engine
) -> None:
    source, _ = _two_accounts(ctx, engine)
    with pytest.raises(ValidationFailed) as caught:
        transfer_balance(
            ctx, {"from_account_id": source, "to_account_id": source, "amount": "1.00"}
        )
    assert caught.value.field == "to_account_id"
    assert (
        str(caught.value)
        == "Choose another account: the balance cannot move to the account it comes from."
    )


def test_an_account_of_another_customer_is_refused(ctx: ServiceContext, engine: Engine) -> None:
    source, _ = _two_accounts(ctx, engine)
    other = f.account(engine)
    before = f.row_counts(engine)
    with pytest.raises(
        RuleViolation,
        match="belongs to another customer; a balance moves only between accounts of one customer.",
    ):
        transfer_balance(
            ctx, {"from_account_id": source, "to_account_id": other.id, "amount": "1.00"}
        )
    assert f.row_counts(engine) == before


def test_accounts_in_two_currencies_are_refused(ctx: ServiceContext, engine: Engine) -> None:
    source, _ = _two_accounts(ctx, engine)
    with reading(engine) as session:
        owner = session.get(m.Account, source).contact_id  # type: ignore[union-attr]
    dollars = f.account(engine, owner, currency="USD")
    with pytest.raises(RuleViolation, match="in one currency"):
        transfer_balance(
            ctx, {"from_account_id": source, "to_account_id": dollars.id, "amount": "1.00"}
        )


def test_a_missing_account_is_named_beside_its_field(ctx: ServiceContext, engine: Engine) -> None:
    source, _ = _two_accounts(ctx, engine)
    with pytest.raises(ValidationFailed, match="^There is no account 999999.$") as caught:
        transfer_balance(
            ctx, {"from_account_id": source, "to_account_id": 999999, "amount": "1.00"}
        )
    assert caught.value.field == "to_account_id"


def test_a_role_without_edit_on_accounts_is_refused_and_nothing_moves(
    ctx: ServiceContext, engine: Engine, settings: Settings
) -> None:
    source, target = _two_accounts(ctx, engine)
    settings.roles["viewer"] = RoleSettings(default_level="view", actions=["Transfer Balance"])
    viewer = ServiceContext(engine, settings, f.actor(engine, settings, "viewer"))
    with pytest.raises(NotAllowed, match="access to account"):
        transfer_balance(
            viewer, {"from_account_id": source, "to_account_id": target, "amount": "1.00"}
        )
    assert (f.balance(engine, source), f.balance(engine, target)) == (D("-30.00"), D("0.00"))
