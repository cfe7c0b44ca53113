"""Bulk notifications: segments, opt-outs, language versions, dry run, the CLI, end to end."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui import models as m
from commcentre_tui.cli import main
from commcentre_tui.comms.notify import notify
from commcentre_tui.comms.templates import TemplateError, install_default_templates
from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.db import reading, transaction


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def overdue_customers(engine, customer) -> dict[str, dict[str, int]]:
    with transaction(engine) as session:
        install_default_templates(session)
    return {
        "english": customer(1, first="John", overdue=True),
        "greek": customer(2, first="Eleni", language="el", overdue=True),
        "opted_out": customer(3, first="Olga", overdue=True, opt_out="sms"),
        "paid_up": customer(4, first="Paul"),
        "no_phone": customer(5, first="Nina", overdue=True, phone=None),
        "french": customer(6, first="Jean", language="fr", overdue=True),
    }


def _communications(engine: Engine) -> list[m.Communication]:
    with reading(engine) as session:
        return list(
            session.execute(select(m.Communication).order_by(m.Communication.contact_id)).scalars()
        )


def test_overdue_reminders_respect_opt_outs_and_languages(
    engine, ctx, overdue_customers, sms_sink, make_settings
) -> None:
    people = overdue_customers
    dry = notify(
        engine,
        ctx.settings,
        ctx.actor,
        template="overdue reminder",
        segment="overdue",
        dry_run=True,
    )
    assert (dry.matched, dry.queued, dry.opted_out, dry.no_address) == (5, 3, 1, 1)
    assert [s.language for s in dry.samples] == ["en", "el", "en"]
    assert dry.samples[1].content.startswith("Eleni, ο λογαριασμός B000000002 (45.90 EUR)")
    assert _communications(engine) == []  # a dry run writes nothing

    report = notify(engine, ctx.settings, ctx.actor, template="Overdue reminder", segment="overdue")
    assert (report.matched, report.queued, report.opted_out, report.no_address) == (5, 3, 1, 1)
    assert dict(report.languages) == {"en": 2, "el": 1}
    assert "C0000005 has no phone number." in report.problems
    rows = _communications(engine)
    assert [r.contact_id for r in rows] == [
        people[k]["contact"] for k in ("english", "greek", "french")
    ]
    english, greek, _french = rows
    assert (english.media, english.direction, english.state, english.delivery) == (
        "sms",
        "outgoing",
        "completed",
        "queued",
    )
    assert english.recipient == "+35799100001" and english.related_type == "bill"
    assert english.related_id == people["english"]["bill"]
    due = (date.today() - timedelta(days=5)).strftime("%d/%m/%Y")
    assert english.content == (
        f"Dear John, bill B000000001 (45.90 EUR) was due on {due}. "
        "Please pay to avoid disconnection."
    )
    assert greek.content.startswith("Eleni, ο λογαριασμός")
    with reading(engine) as session:
        assert (
            session.execute(select(func.count()).select_from(m.CommunicationQueue)).scalar_one()
            == 3
        )
        audit = session.execute(
            select(m.AuditEntry).where(m.AuditEntry.action == "Bulk notification")
        ).scalar_one()
    assert "queued 3" in audit.detail and "1 opted out" in audit.detail

    stats = asyncio.run(DeliveryWorker(engine, make_settings(sms_url=sms_sink.url)).run_once())
    assert stats.sent == 3
    assert sorted(r["json"]["to"] for r in sms_sink.requests) == [
        "+35799100001",
        "+35799100002",
        "+35799100006",
    ]


def test_a_tag_without_value_is_counted_and_named(engine, ctx, customer) -> None:
    with transaction(engine) as session:
        install_default_templates(session)
    customer(1, first="", overdue=True)
    report = notify(engine, ctx.settings, ctx.actor, template="Overdue reminder", segment="overdue")
    assert (report.queued, report.not_rendered) == (0, 1)
    assert report.problems == [
        "C0000001: The tag {{ contact.first_name }} has no value for this customer."
    ]


def test_unknown_tag_or_template_is_refused_before_queueing(engine, ctx, customer) -> None:
    customer(1, overdue=True)
    with transaction(engine) as session:
        session.add(m.Template(name="Broken", media="sms", body="Hi {{ contact.nickname }}"))
    with pytest.raises(TemplateError, match=r"Unknown tag \{\{ contact.nickname \}\}"):
        notify(engine, ctx.settings, ctx.actor, template="Broken", segment="overdue")
    with pytest.raises(ValidationFailed, match="no active template called 'Nope'"):
        notify(engine, ctx.settings, ctx.actor, template="Nope", segment="overdue")
    assert _communications(engine) == []


def test_new_and_active_segments(engine, ctx, customer) -> None:
    with transaction(engine) as session:
        install_default_templates(session)
    old = customer(1, first="Old")  # subscribed 90 days ago
    new = customer(2, first="New")
    with transaction(engine) as session:
        sub = session.get(m.Subscription, new["subscription"])
        sub.start_date = date.today() - timedelta(days=3)
        ended = session.get(m.Subscription, old["subscription"])
        ended.status = "terminated"
    since = date.today() - timedelta(days=7)
    fresh = notify(
        engine,
        ctx.settings,
        ctx.actor,
        template="Welcome new subscriber",
        segment="new",
        since=since,
        dry_run=True,
    )
    assert fresh.matched == 1 and fresh.samples[0].subject.startswith("Welcome, New")
    assert "Broadband 100" in fresh.samples[0].content
    active = notify(
        engine, ctx.settings, ctx.actor, template="Account balance", segment="active", dry_run=True
    )
    assert active.matched == 1 and active.samples[0].name == "New Georgiou"
    # The template, not the segment, says what a message is about: nobody here owes a bill.
    reminder = notify(
        engine, ctx.settings, ctx.actor, template="Overdue reminder", segment="active", dry_run=True
    )
    assert (reminder.matched, reminder.queued, reminder.no_record) == (1, 0, 1)
    assert reminder.problems == ["C0000002 has no overdue bill."]
    with pytest.raises(ValidationFailed, match="needs a start date"):
        notify(engine, ctx.settings, ctx.actor, template="Account balance", segment="new")


def test_notify_and_worker_commands(
    engine, overdue_customers, smtp_sink, capsys, monkeypatch
) -> None:
    url = _url(engine)
    assert (
        main(
            [
                "notify",
                "--template",
                "Overdue reminder",
                "--segment",
                "overdue",
                "--dry-run",
                "--database",
                url,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "5 matched, would queue 3" in out and "1 opted out" in out
    assert out.count("Sample ") == 3 and "Dear John" in out
    assert (
        main(["notify", "--template", "Overdue reminder", "--segment", "new", "--database", url])
        == 2
    )
    assert "--since" in capsys.readouterr().err
    assert (
        main(
            [
                "notify",
                "--template",
                "Welcome new subscriber",
                "--segment",
                "active",
                "--database",
                url,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "6 matched, queued 6" in out  # every customer is subscribed and has an email
    monkeypatch.setenv("COMMCENTRE_EMAIL__PORT", str(smtp_sink.port))
    assert main(["worker", "--once", "--database", url]) == 0
    assert capsys.readouterr().out.strip() == "Sent 6, failed 0, retries scheduled 0."
    assert len(smtp_sink.messages) == 6
