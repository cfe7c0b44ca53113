"""The call log: draft on answer, duration on hang-up, completion with a disposition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from commcentre_tui.config import Settings, load_settings
from commcentre_tui.errors import NotAllowed, NotFound, RuleViolation, ValidationFailed
from commcentre_tui.models import AuditEntry, Communication, Contact
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.roles import RoleSettings
from commcentre_tui.services.calls import complete_call, record_hangup, start_call_draft
from commcentre_tui.services.context import ServiceContext

STARTED = datetime(2024, 5, 1, 9, 30, 0, tzinfo=UTC)


@pytest.fixture
def contact_id(engine: Engine) -> int:
    with transaction(engine) as session:
        contact = Contact(customer_number="C0000001", first_name="Maria", last_name="Georgiou")
        session.add(contact)
        session.flush()
        return contact.id


@pytest.fixture
def ctx(engine: Engine, settings: Settings, admin_actor: Actor) -> ServiceContext:
    return ServiceContext(engine, settings, admin_actor)


def test_answer_hangup_complete(ctx: ServiceContext, contact_id: int) -> None:
    draft = start_call_draft(ctx, contact_id, "+35799123456", "incoming", STARTED)
    assert (draft.state, draft.media, draft.direction, draft.recipient) == (
        "draft",
        "phone",
        "incoming",
        "+35799123456",
    )
    assert draft.call_started_at == STARTED and draft.agent_id == ctx.actor.agent_id
    assert draft.subject == "Incoming call from +35799123456"

    ended = record_hangup(ctx, draft.id, STARTED + timedelta(minutes=3, seconds=15.4))
    assert ended.call_duration_seconds == 195
    again = record_hangup(ctx, draft.id, STARTED + timedelta(minutes=9))
    assert again.call_duration_seconds == 195  # the first hang-up stands

    done = complete_call(
        ctx, draft.id, "Billing", "Asked about the May bill.", "Billing", "Resolved"
    )
    assert (done.state, done.category, done.content) == (
        "completed",
        "Billing",
        "Asked about the May bill.",
    )
    assert (done.disposition_reason, done.disposition_outcome) == ("Billing", "Resolved")
    assert done.completed_at is not None
    with reading(ctx.engine) as session:
        actions = (
            session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "communication", AuditEntry.entity_id == draft.id)
                .order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
        stored = session.get(Communication, draft.id)
    assert actions == ["call.start", "call.hangup", "call.complete"]
    assert stored.call_duration_seconds == 195 and stored.state == "completed"
    with pytest.raises(RuleViolation, match="already completed"):
        complete_call(ctx, draft.id, "Billing", "", "Billing", "Resolved")


def test_completion_without_a_disposition_is_refused_when_required(
    ctx: ServiceContext, contact_id: int
) -> None:
    draft = start_call_draft(ctx, contact_id, "99123456", "outgoing", STARTED)
    assert draft.subject == "Outgoing call to 99123456"
    with pytest.raises(ValidationFailed) as refused:
        complete_call(ctx, draft.id, "General", "notes", None, "")
    assert str(refused.value) == "Choose a disposition reason before completing the call."
    assert refused.value.field == "disposition_reason"
    assert set(refused.value.errors) == {"disposition_reason", "disposition_outcome"}
    with pytest.raises(ValidationFailed, match="“Weather” is not a disposition reason"):
        complete_call(ctx, draft.id, "General", "notes", "Weather", "Resolved")
    with pytest.raises(ValidationFailed, match="Choose a category"):
        complete_call(ctx, draft.id, "Gossip", "notes", "Sales", "Resolved")
    with reading(ctx.engine) as session:
        assert session.get(Communication, draft.id).state == "draft"


def test_disposition_optional_when_not_required(
    engine: Engine, admin_actor: Actor, contact_id: int
) -> None:
    settings = load_settings(None, cti={"require_disposition": False})
    ctx = ServiceContext(engine, settings, admin_actor)
    draft = start_call_draft(ctx, contact_id, "", "incoming", STARTED)
    assert draft.subject == "Incoming call from a withheld number"
    done = complete_call(ctx, draft.id, "General", "", None, None)
    assert done.state == "completed" and done.disposition_reason is None
    other = start_call_draft(ctx, contact_id, "1", "incoming", STARTED)
    with pytest.raises(ValidationFailed, match="not a disposition outcome"):
        complete_call(ctx, other.id, "General", "", None, "Maybe")


def test_bad_input_and_missing_records(ctx: ServiceContext, contact_id: int) -> None:
    with pytest.raises(ValidationFailed, match="time zone"):
        start_call_draft(ctx, contact_id, "1", "incoming", datetime(2024, 5, 1, 9, 30))
    with pytest.raises(ValidationFailed, match="incoming or outgoing"):
        start_call_draft(ctx, contact_id, "1", "sideways", STARTED)
    with pytest.raises(NotFound, match="Contact 999 does not exist"):
        start_call_draft(ctx, 999, "1", "incoming", STARTED)
    with pytest.raises(NotFound, match="Communication 999 does not exist"):
        record_hangup(ctx, 999, STARTED)
    with transaction(ctx.engine) as session:
        email = Communication(contact_id=contact_id, direction="outgoing", media="email")
        session.add(email)
        session.flush()
        email_id = email.id
    with pytest.raises(RuleViolation, match="not a phone call"):
        complete_call(ctx, email_id, "General", "", "Sales", "Resolved")


def test_a_role_without_communication_edit_may_not_log_calls(
    ctx: ServiceContext, contact_id: int
) -> None:
    viewer = Actor(
        agent_id=ctx.actor.agent_id,
        username="v",
        role_name="viewer",
        role=RoleSettings(default_level="view"),
    )
    with pytest.raises(NotAllowed, match="needs edit"):
        start_call_draft(
            ServiceContext(ctx.engine, ctx.settings, viewer), contact_id, "1", "incoming", STARTED
        )
