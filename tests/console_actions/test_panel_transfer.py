"""Transfer Balance from the Action Panel: the worked example of adding an action."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commcentre_tui import models as m
from commcentre_tui.repo.db import reading
from commcentre_tui.services import accounts, contacts, payments
from tests.console_actions.conftest import (
    choices,
    field_error,
    fill,
    from_panel,
    load_customer,
    make_app,
    notices,
    save,
    settle,
    show_tab,
    table_rows,
)


def balances(demo: Any, *ids: int) -> list[Decimal]:
    with reading(demo.engine) as session:
        return [session.get(m.Account, i).balance for i in ids]  # type: ignore[union-attr]


async def test_move_credit_between_two_accounts_of_the_customer(demo: Any) -> None:
    person = contacts.log_person(demo.ctx, {"first_name": "Tasos", "last_name": "Transfer"})
    source = accounts.create_account(demo.ctx, {"contact_id": person.contact_id}).account_id
    target = accounts.create_account(demo.ctx, {"contact_id": person.contact_id}).account_id
    payments.post_payment(demo.ctx, {"account_id": source, "amount": "30.00"})
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, person.contact_id)
        form = await from_panel(pilot, "Transfer Balance", "transfer")
        offered = [value for value, _ in choices(form, "from_account_id")]
        assert sorted(offered) == sorted([str(source), str(target)])
        # Two different accounts are chosen to start with.
        assert (
            form.query_one("#field-from_account_id").value
            != form.query_one("#field-to_account_id").value
        )

        fill(form, from_account_id=source, to_account_id=source, amount="5.00")
        await save(pilot)
        assert app.screen is form
        assert "Choose another account" in field_error(form, "to_account_id")

        fill(form, to_account_id=target, amount="45.00")
        await save(pilot)
        assert app.screen is form
        assert any("transfer at most 30.00 EUR" in n for n in notices(app)), notices(app)
        assert balances(demo, source, target) == [Decimal("-30.00"), Decimal("0.00")]

        fill(form, amount="20.00", reason="one account for TV")
        await save(pilot)
        assert app.screen is app.console_screen, notices(app)
        assert any(n.startswith("Moved 20.00 EUR from account") for n in notices(app)), notices(app)
        tab = await show_tab(pilot, "financials")
        shown = "\n".join(table_rows(tab.query_one("#fin-tx")))
        assert (
            "Balance transferred to account" in shown or "Balance transferred from account" in shown
        )
    assert balances(demo, source, target) == [Decimal("-10.00"), Decimal("-20.00")]
