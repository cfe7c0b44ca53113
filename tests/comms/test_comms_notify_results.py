"""Notify these results (the console's bulk notify): the customers a search found, previewed,
then queued in one transaction through the same code as `commcentre notify`."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui import models as m
from commcentre_tui.comms.templates import install_default_templates
from commcentre_tui.errors import RuleViolation
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.search import Condition
from commcentre_tui.services import comm_bulk
from commcentre_tui.services import communications as svc

GEORGIOU = [Condition("last_name", "=", "Georgiou")]


@pytest.fixture
def people(engine, customer) -> dict[str, dict[str, int]]:
    with transaction(engine) as session:
        install_default_templates(session)
    found = {
        "english": customer(1, first="John", overdue=True),
        "greek": customer(2, first="Eleni", language="el", overdue=True),
        "opted_out": customer(3, first="Olga", overdue=True, opt_out="sms"),
        "paid_up": customer(4, first="Paul"),
        "no_phone": customer(5, first="Nina", overdue=True, phone=None),
    }
    customer(6, first="Other", last="Papadopoulos", overdue=True)  # not in the results
    return found


def _count(engine: Engine, table: type) -> int:
    with reading(engine) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_preview_counts_every_result_and_renders_the_first_message(engine, ctx, people) -> None:
    dry = svc.notify_results(ctx, "Overdue reminder", GEORGIOU, dry_run=True)
    assert (dry.matched, dry.queued, dry.opted_out, dry.no_address, dry.not_rendered) == (5, 2, 1, 1, 1)
    assert dry.segment == "search results"
    [sample] = dry.samples
    assert (sample.customer_number, sample.recipient) == ("C0000001", "+35799100001")
    assert "B000000001" in sample.content  # the overdue bill of that customer
    assert any(p.startswith("C0000004: ") for p in dry.problems)  # Paul has no bill to remind of
    assert _count(engine, m.Communication) == 0


def test_queue_writes_the_messages_their_queue_entries_and_the_audit_together(engine, ctx, people) -> None:
    report = svc.notify_results(ctx, "Overdue reminder", GEORGIOU)
    assert (report.matched, report.queued) == (5, 2)
    with reading(engine) as session:
        rows = list(session.execute(select(m.Communication).order_by(m.Communication.contact_id)).scalars())
        queued = session.execute(select(func.count()).select_from(m.CommunicationQueue)).scalar_one()
        audits = list(session.execute(select(m.AuditEntry).where(m.AuditEntry.action == "Bulk notification"))
                      .scalars())
    assert [r.contact_id for r in rows] == [people["english"]["contact"], people["greek"]["contact"]]
    assert all((r.media, r.state, r.delivery, r.related_type) == ("sms", "completed", "queued", "bill") for r in rows)
    assert rows[1].content.startswith("Eleni, ο λογαριασμός")
    assert queued == 2
    [entry] = audits
    assert "search results" in entry.detail and "queued 2" in entry.detail


def test_a_failure_while_queueing_leaves_nothing_half_done(engine, ctx, people, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("commcentre_tui.comms.notify.enqueue", broken)
    with pytest.raises(RuntimeError):
        svc.notify_results(ctx, "Overdue reminder", GEORGIOU)
    assert _count(engine, m.Communication) == 0
    assert _count(engine, m.CommunicationQueue) == 0


def test_too_many_results_are_refused_with_the_way_out(engine, ctx, people, monkeypatch) -> None:
    monkeypatch.setattr(comm_bulk, "RESULTS_LIMIT", 3)
    monkeypatch.setattr(comm_bulk, "_PAGE", 2)
    with pytest.raises(RuleViolation, match="more than 3 customers.*commcentre notify"):
        svc.notify_results(ctx, "Overdue reminder", GEORGIOU, dry_run=True)
    monkeypatch.setattr(comm_bulk, "RESULTS_LIMIT", 5)
    ids = comm_bulk.result_contact_ids(ctx, GEORGIOU)  # paged through two at a time
    assert sorted(ids) == sorted(p["contact"] for p in people.values())  # every result once
