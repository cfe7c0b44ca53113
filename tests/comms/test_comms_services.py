"""Create a Communication: drafts, Save, the outbox write, follow-ups, templates, autosave."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui import models as m
from commcentre_tui.comms.templates import install_default_templates
from commcentre_tui.errors import NotAllowed, RuleViolation, ValidationFailed
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.numbers import next_number
from commcentre_tui.roles import RoleSettings
from commcentre_tui.services import communications as svc


def count(engine: Engine, model: type) -> int:
    with reading(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def queue_of(engine: Engine, communication_id: int) -> m.CommunicationQueue | None:
    with reading(engine) as session:
        return session.execute(
            select(m.CommunicationQueue).where(
                m.CommunicationQueue.communication_id == communication_id
            )
        ).scalar_one_or_none()


def test_save_outgoing_email_writes_communication_and_queue_entry_together(
    ctx, customer, engine
) -> None:
    ids = customer(1)
    comm = svc.create_communication(
        ctx,
        {
            "contact_id": ids["contact"],
            "direction": "outgoing",
            "media": "email",
            "category": "Billing",
            "subject": "Your balance",
            "content": "Dear {{ contact.first_name }}, your balance is "
            "{{ account.balance }} {{ account.currency }}.",
        },
    )
    assert (comm.state, comm.delivery) == ("completed", "queued")
    assert comm.recipient == "customer1@example.com"  # the contact's primary email
    assert comm.content == "Dear Maria, your balance is 45.90 EUR."
    entry = queue_of(engine, comm.id)
    assert entry is not None and entry.status == "queued"
    with reading(engine) as session:
        audit = session.execute(
            select(m.AuditEntry).where(m.AuditEntry.entity_id == comm.id)
        ).scalar_one()
    assert audit.action == "Create a Communication"


def test_save_as_draft_queues_nothing_and_accepts_an_unfinished_form(ctx, customer, engine) -> None:
    ids = customer(1)
    draft = svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "email"}, draft=True
    )
    assert (draft.state, draft.delivery) == ("draft", None)
    assert queue_of(engine, draft.id) is None


def test_validation_names_every_bad_field(ctx, customer) -> None:
    ids = customer(1, email=None)
    with pytest.raises(ValidationFailed) as err:
        svc.create_communication(
            ctx,
            {
                "contact_id": ids["contact"],
                "media": "pigeon",
                "direction": "sideways",
                "category": "Gossip",
            },
        )
    assert set(err.value.errors) == {"media", "direction", "category"}
    with pytest.raises(ValidationFailed) as err:
        svc.create_communication(
            ctx, {"contact_id": ids["contact"], "media": "email", "content": "Hi"}
        )
    assert set(err.value.errors) == {"recipient", "subject"}
    assert err.value.errors["recipient"] == "Enter the email address to send to."
    with pytest.raises(ValidationFailed) as err:
        svc.create_communication(
            ctx, {"contact_id": ids["contact"], "media": "sms", "content": "x" * 161}
        )
    assert err.value.errors == {
        "content": "The SMS has 161 characters; the limit is 160 (2 segments)."
    }
    with pytest.raises(ValidationFailed) as err:
        svc.create_communication(
            ctx,
            {"contact_id": ids["contact"], "media": "sms", "recipient": "call me", "content": "Hi"},
        )
    assert err.value.field == "recipient"


def test_unknown_tag_is_refused_on_its_field_before_queueing(ctx, customer, engine) -> None:
    ids = customer(1)
    with pytest.raises(ValidationFailed) as err:
        svc.create_communication(
            ctx,
            {
                "contact_id": ids["contact"],
                "media": "email",
                "subject": "Hello",
                "content": "Dear {{ contact.nickname }}",
            },
        )
    assert err.value.field == "content"
    assert "{{ contact.nickname }}" in str(err.value)
    with pytest.raises(ValidationFailed, match=r"\{\{ bill.number \}\} has no value"):
        svc.create_communication(
            ctx,
            {
                "contact_id": ids["contact"],
                "media": "email",
                "subject": "Bill",
                "content": "Bill {{ bill.number }}",
            },
        )
    assert count(engine, m.Communication) == 0 and count(engine, m.CommunicationQueue) == 0


def test_outbox_failure_after_writing_the_communication_rolls_back_both(
    ctx, customer, engine, monkeypatch
) -> None:
    ids = customer(1)
    data = {
        "contact_id": ids["contact"],
        "media": "sms",
        "content": "Your engineer arrives at 10:00.",
    }

    def broken_audit(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc.audit, "record", broken_audit)
    with pytest.raises(RuntimeError):
        svc.create_communication(ctx, data)
    monkeypatch.undo()

    def broken_enqueue(*_args, **_kwargs):
        raise RuntimeError("queue table unavailable")

    monkeypatch.setattr(svc.outbox, "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError):
        svc.create_communication(ctx, data)
    assert count(engine, m.Communication) == 0 and count(engine, m.CommunicationQueue) == 0


def test_seed_follow_up_scenario(ctx, customer, engine) -> None:
    """Seed 002 "Following up on Communications", at service level."""
    ids = customer(1)
    # The customer calls in to complain: incoming phone, Technical Issue, Save as Draft.
    complaint = svc.create_communication(
        ctx,
        {
            "contact_id": ids["contact"],
            "direction": "incoming",
            "media": "phone",
            "category": "Technical Issue",
            "subject": "Poor picture quality",
            "content": "Picture breaks up every evening.",
        },
        draft=True,
    )
    assert complaint.state == "draft"
    # The agent schedules an activity for the Technical Department.
    with transaction(engine) as session:
        activity = m.Activity(
            contact_id=ids["contact"],
            number=next_number(session, "activity"),
            type="Technician visit",
            assigned_unit="Technical Department",
            description="Check the picture quality",
        )
        session.add(activity)
        session.flush()
        activity_id = activity.id
    # Following up before completing is refused with a sentence.
    with pytest.raises(RuleViolation, match="before following it up"):
        svc.follow_up(ctx, complaint.id)
    # Later: the activity is closed; the agent reopens the draft and presses Save.
    form = svc.reopen_draft(ctx, complaint.id)
    version = form.pop("version")
    form.update(related_type="activity", related_id=activity_id)
    completed = svc.save_draft(ctx, complaint.id, form, expected_version=version, complete=True)
    assert (completed.state, completed.delivery) == ("completed", None)  # phone: logged only
    assert completed.related_type == "activity"
    # Follow Up: a new communication linked to the first, pre-filled, with the notes.
    prefill = svc.follow_up_defaults(ctx, complaint.id)
    assert prefill["media"] == "phone" and prefill["direction"] == "outgoing"
    assert (
        prefill["category"] == "Technical Issue"
        and prefill["subject"] == "Re: Poor picture quality"
    )
    follow = svc.follow_up(
        ctx, complaint.id, shared_notes="Customer confirms the picture is fine now."
    )
    assert follow.follow_up_of_id == complaint.id and follow.state == "draft"
    assert (follow.related_type, follow.related_id) == ("activity", activity_id)
    done = svc.complete_communication(ctx, follow.id)
    assert done.state == "completed" and done.shared_notes.startswith("Customer confirms")
    newest = svc.list_communications(ctx, ids["contact"])
    assert [c.id for c in newest] == [follow.id, complaint.id]
    # A completed communication is no longer editable as a draft.
    with pytest.raises(RuleViolation):
        svc.reopen_draft(ctx, complaint.id)


def test_list_filters_newest_first(ctx, customer) -> None:
    ids = customer(1)
    contact = ids["contact"]
    a = svc.create_communication(
        ctx,
        {"contact_id": contact, "direction": "incoming", "media": "phone", "category": "Complaint"},
    )
    b = svc.create_communication(ctx, {"contact_id": contact, "media": "sms", "content": "Hi"})
    c = svc.create_communication(
        ctx, {"contact_id": contact, "media": "email", "subject": "S"}, draft=True
    )
    assert [x.id for x in svc.list_communications(ctx, contact)] == [c.id, b.id, a.id]
    assert [x.id for x in svc.list_communications(ctx, contact, media="sms")] == [b.id]
    assert [x.id for x in svc.list_communications(ctx, contact, direction="incoming")] == [a.id]
    assert [x.id for x in svc.list_communications(ctx, contact, category="Complaint")] == [a.id]
    assert [x.id for x in svc.list_communications(ctx, contact, state="draft")] == [c.id]
    assert [x.id for x in svc.list_communications(ctx, contact, state="queued")] == [b.id]
    assert [x.id for x in svc.list_communications(ctx, contact, limit=1, before_id=b.id)] == [a.id]


def test_choose_a_template_renders_the_customers_language(ctx, customer, engine) -> None:
    with transaction(engine) as session:
        assert install_default_templates(session) >= 8
    with transaction(engine) as session:
        assert install_default_templates(session) == 0  # idempotent
    greek = customer(1, first="Eleni", language="el")
    english = customer(2, first="John", language="fr")  # no French version: English
    with reading(engine) as session:
        welcome_en = session.execute(
            select(m.Template).where(
                m.Template.name == "Welcome new subscriber", m.Template.language == "en"
            )
        ).scalar_one()
    rendered = svc.render_template_for(
        ctx, welcome_en.id, greek["contact"], "subscription", greek["subscription"]
    )
    assert rendered.language == "el" and rendered.subject.startswith("Καλώς ήρθατε, Eleni")
    rendered = svc.render_template_for(ctx, welcome_en.id, english["contact"])
    assert rendered.language == "en" and "Dear John Georgiou" in rendered.content
    subject, content = svc.preview(
        ctx,
        english["contact"],
        subject="Hi {{ contact.first_name }}",
        content="{{ account.number }}",
    )
    assert (subject, content) == ("Hi John", "A00000002")


def test_template_driven_send_respects_opt_out(ctx, customer, engine) -> None:
    with transaction(engine) as session:
        install_default_templates(session)
    with reading(engine) as session:
        template = session.execute(
            select(m.Template).where(m.Template.name == "Job status SMS")
        ).scalar_one()
    ids = customer(1, opt_out="sms")
    with pytest.raises(ValidationFailed) as err:
        svc.create_communication(
            ctx,
            {
                "contact_id": ids["contact"],
                "media": "sms",
                "content": "Job done.",
                "template_id": template.id,
            },
        )
    assert err.value.field == "media" and "opted out of SMS" in str(err.value)


def test_retry_after_failure_and_permissions(ctx, customer, engine) -> None:
    ids = customer(1)
    comm = svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "sms", "content": "Hi"}
    )
    with pytest.raises(RuleViolation):
        svc.retry_delivery(ctx, comm.id)
    with transaction(engine) as session:
        row = session.get(m.Communication, comm.id)
        row.delivery, row.last_error = "failed", "Delivery uncertain: …"
    again = svc.retry_delivery(ctx, comm.id)
    assert again.delivery == "queued" and queue_of(engine, comm.id).status == "queued"
    viewer = replace(
        ctx,
        actor=replace(
            ctx.actor, role_name="viewer", role=RoleSettings(default_level="view", actions=[])
        ),
    )
    with pytest.raises(NotAllowed):
        svc.create_communication(viewer, {"contact_id": ids["contact"], "media": "phone"})


def test_form_autosave_survives_and_is_discarded(ctx, customer) -> None:
    ids = customer(1)
    assert svc.load_form_draft(ctx, "create_communication") is None
    svc.save_form_draft(
        ctx,
        "create_communication",
        {"media": "email", "content": "Dear Mar"},
        contact_id=ids["contact"],
    )
    svc.save_form_draft(
        ctx,
        "create_communication",
        {"media": "email", "content": "Dear Maria,"},
        contact_id=ids["contact"],
    )
    kept = svc.load_form_draft(ctx, "create_communication")
    assert (
        kept is not None
        and kept.payload["content"] == "Dear Maria,"
        and kept.contact_id == ids["contact"]
    )
    svc.discard_form_draft(ctx, "create_communication")
    assert svc.load_form_draft(ctx, "create_communication") is None


def test_save_deletes_the_autosaved_copy_in_its_own_transaction(ctx, customer, engine) -> None:
    """A Save that deletes the form's autosaved copy does it together with the save: a failed
    save keeps the copy; a successful one (new, reopened draft or follow-up) leaves none."""
    ids = customer(1)
    data = {
        "contact_id": ids["contact"],
        "direction": "incoming",
        "media": "phone",
        "content": "Called",
    }

    def autosave() -> None:
        svc.save_form_draft(
            ctx, "communication", {"values": {"content": "Called"}}, contact_id=ids["contact"]
        )

    autosave()
    with pytest.raises(ValidationFailed):
        svc.create_communication(ctx, {**data, "media": "pigeon"}, discard_autosave="communication")
    assert svc.load_form_draft(ctx, "communication") is not None
    draft = svc.create_communication(ctx, data, draft=True, discard_autosave="communication")
    assert svc.load_form_draft(ctx, "communication") is None

    autosave()
    done = svc.save_draft(ctx, draft.id, data, complete=True, discard_autosave="communication")
    assert svc.load_form_draft(ctx, "communication") is None
    autosave()
    svc.follow_up(
        ctx, done.id, shared_notes="Rang back", draft=False, discard_autosave="communication"
    )
    assert svc.load_form_draft(ctx, "communication") is None
    assert count(engine, m.Communication) == 2


def test_a_template_about_the_overdue_bill_renders_that_bill_or_is_refused(
    engine, ctx, customer
) -> None:
    """The communication form follows the rule of "Notify these results": a template about the
    overdue bill uses the customer's overdue bill, and is refused for a customer with none."""
    with transaction(engine) as session:
        install_default_templates(session)
        reminder = session.execute(
            select(m.Template).where(
                m.Template.name == "Overdue reminder", m.Template.language == "en"
            )
        ).scalar_one()
    owing = customer(1, overdue=True)
    paid_up = customer(2)
    rendered = svc.render_template_for(ctx, reminder.id, owing["contact"])
    assert "B000000001" in rendered.content and "45.90" in rendered.content
    with pytest.raises(ValidationFailed, match="This customer has no overdue bill") as refused:
        svc.render_template_for(ctx, reminder.id, paid_up["contact"])
    assert refused.value.field == "template"
