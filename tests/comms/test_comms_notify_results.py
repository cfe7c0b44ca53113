"""Notify these results (the console's bulk notify): the customers a search found, previewed,
then queued in one transaction through the same code as `commcentre notify`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui import models as m
from commcentre_tui.comms.templates import install_default_templates
from commcentre_tui.errors import RuleViolation
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.search.api import Condition
from commcentre_tui.services import comm_bulk
from commcentre_tui.services import communications as svc

GEORGIOU = [Condition("last_name", "=", "Georgiou")]


def add_bill(engine: Engine, ids: dict[str, int], number: str, *, due_in: int, paid: bool) -> None:
    """A bill of 45.90 for the customer ``ids``, due in ``due_in`` days, paid or not."""
    today = date.today()
    with transaction(engine) as session:
        session.add(
            m.Bill(
                account_id=ids["account"],
                subscription_id=ids["subscription"],
                number=number,
                period_start=today - timedelta(days=30),
                period_end=today - timedelta(days=1),
                bill_date=today,
                due_date=today + timedelta(days=due_in),
                subtotal=Decimal("38.57"),
                tax=Decimal("7.33"),
                amount=Decimal("45.90"),
                paid_amount=Decimal("45.90") if paid else Decimal("0"),
                status="paid" if paid else "unpaid",
            )
        )


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
    assert (dry.matched, dry.queued, dry.opted_out, dry.no_address, dry.no_record) == (
        5,
        2,
        1,
        1,
        1,
    )
    assert dry.segment == "search results"
    first, second = dry.samples
    assert (first.customer_number, first.recipient) == ("C0000001", "+35799100001")
    assert "B000000001" in first.content  # the overdue bill of that customer
    assert second.content.startswith("Eleni, ο λογαριασμός B000000002")
    assert "C0000004 has no overdue bill." in dry.problems  # Paul has no bill to remind of
    assert "1 with no overdue bill" in dry.summary()
    assert _count(engine, m.Communication) == 0


def test_queue_writes_the_messages_their_queue_entries_and_the_audit_together(
    engine, ctx, people
) -> None:
    report = svc.notify_results(ctx, "Overdue reminder", GEORGIOU)
    assert (report.matched, report.queued) == (5, 2)
    with reading(engine) as session:
        rows = list(
            session.execute(select(m.Communication).order_by(m.Communication.contact_id)).scalars()
        )
        queued = session.execute(
            select(func.count()).select_from(m.CommunicationQueue)
        ).scalar_one()
        audits = list(
            session.execute(
                select(m.AuditEntry).where(m.AuditEntry.action == "Bulk notification")
            ).scalars()
        )
    assert [r.contact_id for r in rows] == [
        people["english"]["contact"],
        people["greek"]["contact"],
    ]
    assert all(
        (r.media, r.state, r.delivery, r.related_type) == ("sms", "completed", "queued", "bill")
        for r in rows
    )
    assert rows[1].content.startswith("Eleni, ο λογαριασμός")
    assert queued == 2
    [entry] = audits
    assert "search results" in entry.detail and "queued 2" in entry.detail


def test_a_failure_while_queueing_leaves_nothing_half_done(
    engine, ctx, people, monkeypatch
) -> None:
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


def test_an_overdue_reminder_to_mixed_results_names_only_each_overdue_customers_own_bill(
    engine,
    ctx,
    customer,
    sms_sink,
    make_settings,
) -> None:
    """Issue 16: paid-up customers and customers whose bill is not yet due are skipped with the
    reason, never sent a reminder built from their paid or future bill; the overdue ones get
    their own overdue bill and amount, and the gateway receives exactly those."""
    import asyncio

    from commcentre_tui.comms.worker import DeliveryWorker

    with transaction(engine) as session:
        install_default_templates(session)
    late = customer(1, first="Anna", overdue=True)
    paid = customer(2, first="Boris")
    add_bill(engine, paid, "B000000332", due_in=-10, paid=True)
    later = customer(3, first="Chloe")
    add_bill(engine, later, "B000000333", due_in=24, paid=False)
    partly = customer(4, first="Dora", overdue=True)
    with transaction(engine) as session:
        bill = session.get(m.Bill, partly["bill"])
        bill.paid_amount, bill.status = Decimal("10.00"), "partly_paid"
    add_bill(engine, partly, "B000000444", due_in=10, paid=False)  # newer, not yet due: not the one

    dry = svc.notify_results(ctx, "Overdue reminder", GEORGIOU, dry_run=True)
    assert (dry.matched, dry.queued, dry.no_record) == (4, 2, 2)
    assert dry.problems == ["C0000002 has no overdue bill.", "C0000003 has no overdue bill."]
    report = svc.notify_results(ctx, "Overdue reminder", GEORGIOU, contact_ids=dry.contact_ids)
    assert (report.queued, report.no_record) == (
        dry.queued,
        dry.no_record,
    )  # what the preview showed
    rows = {r.contact_id: r for r in _rows(engine)}
    assert set(rows) == {late["contact"], partly["contact"]}
    assert (rows[late["contact"]].related_type, rows[late["contact"]].related_id) == (
        "bill",
        late["bill"],
    )
    assert "bill B000000001 (45.90 EUR)" in rows[late["contact"]].content
    assert "bill B000000004 (35.90 EUR)" in rows[partly["contact"]].content  # what is still owed

    stats = asyncio.run(DeliveryWorker(engine, make_settings(sms_url=sms_sink.url)).run_once())
    assert stats.sent == 2
    texts = {r["json"]["to"]: r["json"]["text"] for r in sms_sink.requests}
    assert set(texts) == {"+35799100001", "+35799100004"}
    assert "B000000001" in texts["+35799100001"] and "B000000004" in texts["+35799100004"]
    assert not any("B00000033" in t or "B000000444" in t for t in texts.values())


def _rows(engine: Engine) -> list[m.Communication]:
    with reading(engine) as session:
        return list(session.execute(select(m.Communication)).scalars())
