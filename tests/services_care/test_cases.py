"""Cases and follow-ups (8x8): open, follow up in order, close/reopen, unit-only visibility."""

from __future__ import annotations

import pytest

from commcentre_tui import models as m
from commcentre_tui.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from commcentre_tui.repo.care_choices import related_choices
from commcentre_tui.repo.care_queries import care_items, case_with_follow_ups
from commcentre_tui.services.cases import add_follow_up, close_case, open_case, reopen_case


def case_form(contact, **extra):
    return {
        "contact_id": contact.id,
        "subject": "Scheduling issue with private jets",
        "description": "Customer reports double booking",
        "severity": "major",
        "priority": "high",
        **extra,
    }


def test_a_case_with_follow_ups_in_order(make, ctx) -> None:
    contact = make.contact()
    comm = make.communication(contact, "Called back")
    saved = open_case(ctx, case_form(contact))
    assert (saved.number, saved.status) == ("CS0000001", "open")
    first = add_follow_up(ctx, {"case_id": saved.id, "note": "Checked the booking system"})
    second = add_follow_up(
        ctx,
        {
            "case_id": saved.id,
            "kind": "communication",
            "communication_id": comm.id,
            "note": "Explained the fix",
        },
    )
    detail = case_with_follow_ups(make.engine, ctx.actor, saved.id)
    assert detail.case.subject == "Scheduling issue with private jets"
    assert detail.case.assigned_unit == "Care" and detail.case.visibility == "public"
    assert [
        (f.id, f.kind, f.note, f.communication_subject, f.agent) for f in detail.follow_ups
    ] == [
        (first.id, "note", "Checked the booking system", None, "Test Admin"),
        (second.id, "communication", "Explained the fix", "Called back", "Test Admin"),
    ]
    actions = [e.action for e in make.audit("case", saved.id)]
    assert actions == ["Open a Case", "Add a Follow-up", "Add a Follow-up"]


def test_follow_up_rules(make, ctx) -> None:
    contact, other = make.contact(), make.contact("Eleni", "Ioannou")
    their_comm = make.communication(other)
    saved = open_case(ctx, case_form(contact))
    with pytest.raises(ValidationFailed) as err:
        add_follow_up(ctx, {"case_id": saved.id, "note": ""})
    assert err.value.errors == {"note": "Write the follow-up note."}
    with pytest.raises(ValidationFailed) as err:
        add_follow_up(ctx, {"case_id": saved.id, "kind": "communication"})
    assert err.value.errors == {
        "communication_id": "Choose the communication this follow-up records."
    }
    with pytest.raises(ValidationFailed) as err:
        add_follow_up(
            ctx, {"case_id": saved.id, "kind": "communication", "communication_id": their_comm.id}
        )
    assert err.value.errors == {
        "communication_id": "That communication belongs to another customer."
    }
    with pytest.raises(NotFound):
        add_follow_up(ctx, {"case_id": 9999, "note": "x"})
    closed = close_case(ctx, saved.id, saved.version)
    with pytest.raises(RuleViolation, match="is closed; reopen it before adding a follow-up"):
        add_follow_up(ctx, {"case_id": saved.id, "note": "late"})
    assert make.count(m.FollowUp) == 0
    reopened = reopen_case(ctx, saved.id, closed.version)
    assert make.get(m.Case, saved.id).closed_at is None and reopened.version == 3
    add_follow_up(ctx, {"case_id": saved.id, "note": "Customer called again"})
    assert make.count(m.FollowUp) == 1


def test_close_and_reopen(make, ctx) -> None:
    saved = open_case(ctx, case_form(make.contact()))
    closed = close_case(ctx, saved.id, saved.version)
    assert closed.status == "closed" and make.get(m.Case, saved.id).closed_at is not None
    with pytest.raises(RuleViolation, match="A case that is closed cannot become closed"):
        close_case(ctx, saved.id, closed.version)
    with pytest.raises(Conflict):
        reopen_case(ctx, saved.id, saved.version)
    already = open_case(ctx, case_form(make.contact("Eleni", "Ioannou"), status="closed"))
    assert make.get(m.Case, already.id).closed_at is not None


def test_case_input_errors(make, ctx) -> None:
    contact = make.contact()
    with pytest.raises(ValidationFailed) as err:
        open_case(
            ctx,
            case_form(
                contact, subject="s" * 301, status="pending", visibility="private", severity="huge"
            ),
        )
    assert err.value.errors == {
        "subject": "Subject must be at most 300 characters (it has 301).",
        "status": "Status must be 'open' or 'closed'.",
        "severity": "Severity must be 'minor', 'major' or 'critical'.",
        "visibility": "Visibility must be 'public' or 'unit'.",
    }
    loner = make.actor(make.agent("loner", unit=None))
    with pytest.raises(ValidationFailed) as err:
        open_case(make.ctx(loner), case_form(contact, visibility="unit"))
    assert err.value.errors == {
        "visibility": "You belong to no unit, so the case cannot be visible to your unit only."
    }
    assert make.count(m.Case) == 0


def test_unit_only_cases_are_visible_to_their_unit_and_supervisors_only(make, ctx) -> None:
    contact = make.contact()
    care = make.actor(make.agent("anna", unit="Care"))
    billing = make.actor(make.agent("bob", unit="Billing"))
    boss = make.actor(make.agent("sue", unit="Billing", role="supervisor"))
    private = open_case(make.ctx(care), case_form(contact, subject="Private", visibility="unit"))
    public = open_case(make.ctx(care), case_form(contact, subject="Public"))

    def subjects(actor):
        return sorted(r.title for r in care_items(make.engine, actor, contact.id, "case"))

    assert subjects(care) == ["Private", "Public"]
    assert subjects(boss) == ["Private", "Public"]
    assert subjects(billing) == ["Public"]
    assert case_with_follow_ups(make.engine, boss, private.id).case.subject == "Private"
    with pytest.raises(NotFound):
        case_with_follow_ups(make.engine, billing, private.id)
    with pytest.raises(NotFound):
        add_follow_up(make.ctx(billing), {"case_id": private.id, "note": "peek"})
    with pytest.raises(NotFound):
        close_case(make.ctx(billing), private.id, private.version)
    assert [
        c.id for c in related_choices(make.engine, billing, contact.id) if c.kind == "case"
    ] == [public.id]
    add_follow_up(make.ctx(billing), {"case_id": public.id, "note": "Billing looked too"})
    assert make.get(m.Case, private.id).status == "open"
