"""Completing a draft communication: who may (its author, or a supervisor; everyone else reads
it), Complete Draft from the palette, the agent's drafts marked in Latest Communications, and a
save based on a version someone else changed meanwhile, which is refused, never overwriting.

The drafts are made through the services (as an earlier console session would have); the console
is then driven with keys only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from commcentre_tui.errors import NotAllowed, RuleViolation
from commcentre_tui.models import Communication
from commcentre_tui.repo.actor_lookup import actor_for
from commcentre_tui.repo.db import reading
from commcentre_tui.screens.comms.pick import PickScreen
from commcentre_tui.screens.detail import DetailScreen
from commcentre_tui.services import communications as svc
from commcentre_tui.services.context import ServiceContext
from tests.console_comms.by_keys import cursor_to, pick, press, tab_to, type_text
from tests.console_comms.conftest import (
    CUSTOMER,
    form_of,
    notifications,
    queue_entries,
    settle,
    text_of,
)

AGENT_TERMINAL = (80, 24)


def ctx_of(engine: Engine, settings, username: str) -> ServiceContext:
    return ServiceContext(engine, settings, actor_for(engine, settings, username))


def draft_for(ctx: ServiceContext, subject: str, **changes: str) -> Communication:
    return svc.create_communication(
        ctx,
        {
            "contact_id": CUSTOMER,
            "direction": "incoming",
            "media": "phone",
            "category": "Technical Issue",
            "subject": subject,
            "content": "Picture freezes.",
            **changes,
        },
        draft=True,
    )


def stored(engine: Engine, communication_id: int) -> Communication:
    with reading(engine) as session:
        comm = session.get(Communication, communication_id)
        assert comm is not None
        return comm


async def load_by_keys(pilot, engine: Engine) -> None:
    from commcentre_tui.models import Contact

    with reading(engine) as session:
        number = session.get(Contact, CUSTOMER).customer_number
    await settle(pilot)
    await type_text(pilot, number)
    await press(pilot, "enter")
    assert pilot.app.customer_id == CUSTOMER


async def comms_of_care_tab(pilot):
    """F8, then the Customer Care filter on Communications; the focus in its table."""
    await press(pilot, "f8")
    await tab_to(pilot, "care-type", back=True)
    await pick(pilot, "Communications")
    await tab_to(pilot, "comms-table")
    return pilot.app.focused


def test_only_the_author_or_a_supervisor_completes_a_draft(comms_engine, comms_settings) -> None:
    maria = ctx_of(comms_engine, comms_settings, "maria")
    draft = draft_for(maria, "Your appointment", direction="outgoing", media="email")
    assert draft.id not in queue_entries(comms_engine)  # a draft is not sent
    eleni = ctx_of(comms_engine, comms_settings, "eleni")  # finance: may write communications
    assert svc.draft_access(eleni, draft.id) == (
        False,
        "This draft is Maria Georgiou's: only they or a supervisor can complete it.",
    )
    with pytest.raises(NotAllowed, match="Maria Georgiou's"):
        svc.complete_communication(eleni, draft.id)
    assert stored(comms_engine, draft.id).state == "draft"
    assert svc.draft_access(maria, draft.id) == (True, "")
    george = ctx_of(comms_engine, comms_settings, "george")  # a supervisor
    assert svc.draft_access(george, draft.id) == (True, "")
    done = svc.complete_communication(george, draft.id)
    assert done.state == "completed" and done.agent_id == maria.actor.agent_id
    assert (done.delivery, queue_entries(comms_engine)[draft.id]) == (
        "queued",
        "queued",
    )  # Save sends it
    assert svc.draft_access(maria, draft.id) == (False, "")  # completed: read, not edited
    with pytest.raises(RuleViolation, match="already completed"):
        svc.complete_communication(maria, draft.id)


async def test_another_agents_draft_opens_read_only_with_the_reason(
    make_app, comms_engine, comms_settings
) -> None:
    draft = draft_for(ctx_of(comms_engine, comms_settings, "maria"), "Poor picture")
    app = make_app("eleni")
    async with app.run_test(size=AGENT_TERMINAL) as pilot:
        await load_by_keys(pilot, comms_engine)
        table = await comms_of_care_tab(pilot)
        await cursor_to(pilot, table, draft.id)
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailScreen), type(app.screen).__name__
        assert (
            "This draft is Maria Georgiou's: only they or a supervisor can complete it."
            in notifications(app)
        )
        await press(pilot, "escape")
        await press(pilot, "f10")
        await type_text(pilot, "complete draft")
        await press(pilot, "enter")
        assert app.screen is app.console_screen
        assert "This customer has no draft communication you can complete." in notifications(app)
    assert stored(comms_engine, draft.id).state == "draft"


async def test_complete_draft_from_the_palette_and_a_stale_save_is_refused(
    make_app, comms_engine, comms_settings
) -> None:
    maria = ctx_of(comms_engine, comms_settings, "maria")
    older, newer = draft_for(maria, "Older draft"), draft_for(maria, "Poor picture")
    app = make_app()  # maria
    async with app.run_test(size=AGENT_TERMINAL) as pilot:
        await press(pilot, "f4")  # Latest Communications: her drafts are marked
        latest = app.console_screen.latest.table
        states = [str(latest.get_row_at(i)[-1]) for i in range(2)]
        assert states == ["Draft", "Draft"]
        await press(pilot, "escape")
        await load_by_keys(pilot, comms_engine)

        await press(pilot, "ctrl+p")
        await type_text(pilot, "complete draft")
        await press(pilot, "enter")
        chooser = app.screen
        assert isinstance(chooser, PickScreen)  # two drafts: which one?
        labels = [
            str(chooser.query_one("#pick-list").get_option_at_index(i).prompt) for i in range(2)
        ]
        assert "Poor picture" in labels[0] and "Older draft" in labels[1]  # newest first
        await press(pilot, "enter")
        form = form_of(app)
        assert form.request.mode == "draft" and form.request.communication_id == newer.id

        # Meanwhile a supervisor changes the same draft in another console.
        george = ctx_of(comms_engine, comms_settings, "george")
        data = svc.reopen_draft(george, newer.id)
        version = data.pop("version")
        svc.save_draft(
            george, newer.id, {**data, "content": "Checked by George."}, expected_version=version
        )

        await type_text(pilot, " Still freezing.")
        await press(pilot, "ctrl+s")
        assert form_of(app) is form  # kept open with what was typed
        assert any(
            n.startswith("Another agent changed this communication") for n in notifications(app)
        )
        assert "Not saved: this draft changed meanwhile." in text_of(app, "#note")
    saved = stored(comms_engine, newer.id)
    assert (saved.state, saved.content, saved.version) == ("draft", "Checked by George.", 2)
    assert stored(comms_engine, older.id).state == "draft"
