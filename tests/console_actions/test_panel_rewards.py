"""Cancel a reward transaction: ``c`` in the Rewards tab or the Action Panel, always confirmed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from commcentre_tui import models as m
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.actions.form import ActionFormScreen
from commcentre_tui.services import rewards
from tests.console_actions.conftest import (
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


def participant(demo: Any) -> m.RewardParticipant:
    with reading(demo.engine) as session:
        return (
            session.execute(select(m.RewardParticipant).order_by(m.RewardParticipant.id))
            .scalars()
            .first()
        )


def points(demo: Any, participant_id: int) -> int:
    with reading(demo.engine) as session:
        return session.get(m.RewardParticipant, participant_id).points


def state(demo: Any, model: Any, txn_id: int) -> str:
    with reading(demo.engine) as session:
        return session.get(model, txn_id).state


async def rewards_tab(pilot: Any) -> Any:
    tab = await show_tab(pilot, "rewards")
    return tab, tab.query_one("#rewards-table")


def participants_line(tab: Any) -> str:
    return str(tab.query_one("#rewards-participants").render())


async def highlight(pilot: Any, table: Any, ref_entity: str, txn_id: int) -> None:
    row = next(
        i
        for i, ref in enumerate(table._refs)
        if ref and (ref.entity, ref.id) == (ref_entity, txn_id)
    )
    table.focus()
    table.move_cursor(row=row)
    await settle(pilot)


async def test_cancel_key_in_the_rewards_tab_reverses_an_award_after_asking(demo: Any) -> None:
    who = participant(demo)
    award = rewards.award_points(
        demo.ctx, {"participant_id": who.id, "points": 120, "reason": "Loyalty bonus"}
    )
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, who.contact_id)
        tab, table = await rewards_tab(pilot)
        assert f"{award.participant_points:,} points" in participants_line(tab)
        await highlight(pilot, table, "reward_award", award.transaction_id)
        await pilot.press("c")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen) and form.spec.name == "Cancel Reward Transaction"
        assert form.values()["transaction"] == f"award:{award.transaction_id}"
        fill(form, reason="Given by mistake")
        await save(pilot, answer="n")  # kept: nothing changes
        assert app.screen is form
        assert state(demo, m.RewardAwardTransaction, award.transaction_id) == "posted"
        await save(pilot, answer="y")
        assert app.screen is app.console_screen
        tab, table = await rewards_tab(pilot)
        row = table_rows(table)[
            table._refs.index(
                next(
                    r
                    for r in table._refs
                    if r and r.id == award.transaction_id and r.entity == "reward_award"
                )
            )
        ]
        assert "cancelled" in row  # still listed, marked cancelled
        assert f"{award.participant_points - 120:,} points" in participants_line(tab)
    assert state(demo, m.RewardAwardTransaction, award.transaction_id) == "cancelled"
    assert points(demo, who.id) == award.participant_points - 120


async def test_cancel_a_spend_from_the_panel_gives_the_points_back(demo: Any) -> None:
    who = participant(demo)
    rewards.award_points(demo.ctx, {"participant_id": who.id, "points": 50})
    spend = rewards.spend_points(
        demo.ctx, {"participant_id": who.id, "points": 30, "reason": "Voucher"}
    )
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, who.contact_id)
        form = await from_panel(pilot, "Cancel Reward Transaction", "cancel reward")
        fill(form, transaction=f"spend:{spend.transaction_id}")
        await save(pilot, answer="y")
        assert app.screen is app.console_screen
        assert any(f"now has {spend.participant_points + 30}" in n for n in notices(app))
        tab, _ = await rewards_tab(pilot)
        assert f"{spend.participant_points + 30:,} points" in participants_line(tab)
    assert state(demo, m.RewardSpendTransaction, spend.transaction_id) == "cancelled"
    assert points(demo, who.id) == spend.participant_points + 30


async def test_cancel_key_on_a_cancelled_transaction_says_so_and_changes_nothing(demo: Any) -> None:
    who = participant(demo)
    award = rewards.award_points(demo.ctx, {"participant_id": who.id, "points": 5})
    rewards.cancel_reward_transaction(
        demo.ctx, {"kind": "award", "transaction_id": award.transaction_id}
    )
    before = points(demo, who.id)
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, who.contact_id)
        _, table = await rewards_tab(pilot)
        await highlight(pilot, table, "reward_award", award.transaction_id)
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is app.console_screen
        assert any("already cancelled" in n for n in notices(app))
    assert points(demo, who.id) == before


async def test_cancelling_an_award_whose_points_were_spent_is_refused_in_one_sentence(
    demo: Any,
) -> None:
    who = participant(demo)
    have = points(demo, who.id)
    award = rewards.award_points(demo.ctx, {"participant_id": who.id, "points": 40})
    rewards.spend_points(demo.ctx, {"participant_id": who.id, "points": have + 40})
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await load_customer(pilot, who.contact_id)
        form = await from_panel(pilot, "Cancel Reward Transaction", "cancel reward")
        fill(form, transaction=f"award:{award.transaction_id}")
        await save(pilot, answer="y")
        assert app.screen is form  # kept open with the reason
        assert any("cancel the spend transactions that used them first" in n for n in notices(app))
    assert state(demo, m.RewardAwardTransaction, award.transaction_id) == "posted"
    assert points(demo, who.id) == 0
