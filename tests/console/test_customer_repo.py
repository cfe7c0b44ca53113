"""The customer view's read queries, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from commcentre_tui.errors import NotAllowed, NotFound
from commcentre_tui.repo import customer_financials
from commcentre_tui.repo import customer_tabs as tabs
from commcentre_tui.repo.customer_detail import RecordRef, record_detail
from commcentre_tui.repo.customer_view import customer_summary, dashboard
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.roles import default_roles
from tests.console.data import NOW, ago, build

AGENT = Actor(
    agent_id=None, username="a", role_name="agent", role=default_roles()["agent"], unit="Care"
)
SUPERVISOR = replace(AGENT, role_name="supervisor", role=default_roles()["supervisor"])


def test_summary_is_what_the_header_shows(engine: Engine) -> None:
    k = build(engine)
    s = customer_summary(engine, k.contact_id, actor=AGENT)
    assert s.display_name == "Eleni Kyriakou" and s.customer_number == "C9000001"
    assert s.account_numbers == ("A9000001", "A9000002")
    assert s.main_phone == "+35799123456"  # the primary one
    assert s.main_email == "eleni@example.com"
    assert s.balances == (("EUR", Decimal("25.00")),)
    assert s.unpaid_bills == 1  # the other contact's bill does not count
    assert s.open_items == k.open_items
    assert customer_summary(engine, k.contact_id, actor=SUPERVISOR).open_items == k.open_items + 1
    with pytest.raises(NotFound):
        customer_summary(engine, 999999)


def test_dashboard(engine: Engine) -> None:
    k = build(engine)
    d = dashboard(engine, k.contact_id, actor=AGENT, today=NOW.date())
    assert [a.number for a in d.accounts] == ["A9000001", "A9000002"]
    assert [(w.account_number, w.balance) for w in d.wallets] == [("A9000001", Decimal("20.00"))]
    [sub] = d.subscriptions
    assert (sub.number, sub.active_services, sub.recurring_total) == (
        "S9000001",
        2,
        Decimal("15.50"),
    )
    assert {c.number for c in d.open_care} == {
        "SR9000001",
        "AC9000001",
        "L9000001",
        f"T{_task_id(engine)}",
        "CS9000001",
    }
    assert d.open_care_total == k.open_items
    assert [p.number for p in d.recent_payments] == [f"P90000{i:02d}" for i in range(5)]
    months = d.payments_by_month
    assert len(months) == 12 and months[-1][0] == "2026-06"
    assert months[0][0] == "2025-07"
    window = datetime(2025, 7, 1, tzinfo=UTC)
    assert sum(v for _, v in months) == sum(
        Decimal("25.00") + i for i in range(12) if ago(30 * i + 1) >= window
    )
    assert dict(months)["2026-06"] == Decimal("25.00")  # the payment of 14 June


def _task_id(engine: Engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM task")).scalar_one()


def test_subscriptions_and_services(engine: Engine) -> None:
    k = build(engine)
    [sub] = tabs.subscriptions(engine, k.contact_id)
    assert sub.account_number == "A9000001"
    services = tabs.subscription_services(engine, k.subscription_id)
    assert [s.status for s in services] == ["active", "active", "removed"]
    assert services[0].product_name == "TV Basic"


def test_account_transactions_merge_every_kind_newest_first_and_page(engine: Engine) -> None:
    k = build(engine)
    page = customer_financials.account_transactions(engine, k.account_id, limit=100)
    kinds = {r.kind_label for r in page.rows}
    assert kinds == {"Invoice", "Bill", "Payment", "Credit", "Wallet"}
    assert [r.when for r in page.rows] == sorted((r.when for r in page.rows), reverse=True)
    assert len(page.rows) == 1 + 2 + 12 + 1 + 2 and not page.has_more
    payment = next(r for r in page.rows if r.kind_label == "Payment")
    assert payment.amount < 0  # lowers what the customer owes
    # Paging: 5 at a time gives the same rows in the same order, none twice.
    seen, before = [], None
    while True:
        part = customer_financials.account_transactions(
            engine, k.account_id, limit=5, before=before
        )
        seen.extend(part.rows)
        if not part.has_more:
            break
        before = part.cursor
    assert seen == list(page.rows)
    only = customer_financials.account_transactions(engine, k.account_id, kind="bill")
    assert [r.number for r in only.rows] == ["B9000001", "B9000002"]
    assert customer_financials.account_transactions(engine, k.second_account_id).rows == ()


def test_care_items_filters(engine: Engine) -> None:
    k = build(engine)
    everything = tabs.care_items(engine, k.contact_id, actor=AGENT)
    numbers = [r.number for r in everything.rows]
    assert "SR9000003" not in numbers  # another contact's
    assert "CS9000002" not in numbers  # unit-only case of another unit
    assert "CS9000002" in [
        r.number for r in tabs.care_items(engine, k.contact_id, actor=SUPERVISOR).rows
    ]
    open_rows = tabs.care_items(engine, k.contact_id, actor=AGENT, status="open").rows
    assert {r.number for r in open_rows} >= {"SR9000001", "AC9000001", "L9000001", "CS9000001"}
    assert all(r.is_open for r in open_rows)
    closed = tabs.care_items(engine, k.contact_id, actor=AGENT, status="closed").rows
    assert {r.number for r in closed} == {"SR9000002", "J9000001"}
    recent = tabs.care_items(engine, k.contact_id, actor=AGENT, since=(NOW.date().replace(day=10)))
    assert {r.number for r in recent.rows} == {"SR9000001", "AC9000001", f"T{_task_id(engine)}"}
    jobs = tabs.care_items(engine, k.contact_id, actor=AGENT, entity="job").rows
    assert [r.kind_label for r in jobs] == ["Job"]
    first = tabs.care_items(engine, k.contact_id, actor=AGENT, limit=3)
    rest = tabs.care_items(engine, k.contact_id, actor=AGENT, before=first.cursor)
    assert [r.number for r in first.rows + rest.rows] == numbers


def test_communications_respect_visibility_and_page(engine: Engine) -> None:
    k = build(engine)
    page = tabs.communications(engine, k.contact_id, actor=AGENT, limit=5)
    assert len(page.rows) == 5 and page.has_more
    assert "Unit only" not in [r.subject for r in page.rows]
    rest = tabs.communications(engine, k.contact_id, actor=AGENT, before=page.cursor)
    assert len(page.rows) + len(rest.rows) == 7
    assert "Unit only" in [
        r.subject for r in tabs.communications(engine, k.contact_id, actor=SUPERVISOR).rows
    ]


def test_rewards(engine: Engine) -> None:
    k = build(engine)
    view = tabs.rewards(engine, k.contact_id)
    assert [(p.number, p.points) for p in view.participants] == [("R9000001", 70)]
    assert [(r.kind_label, r.points) for r in view.transactions.rows] == [
        ("Spend", -30),
        ("Award", 20),
        ("Award", 100),
    ]
    posted_awards = tabs.rewards(engine, k.contact_id, kind="award", state="posted")
    assert [r.reason for r in posted_awards.transactions.rows] == ["Welcome"]
    assert tabs.rewards(engine, k.other_contact_id).participants == ()


def test_record_detail_resolves_references_and_lists_children(engine: Engine) -> None:
    k = build(engine)
    case = record_detail(engine, RecordRef("case", k.case_id), actor=AGENT)
    assert case.title == "Case CS9000001"
    fields = dict(case.fields)
    assert fields["Contact"] == "Eleni Kyriakou (C9000001)" and fields["Subject"] == "Slow line"
    assert [row[2] for row in case.sections[0].rows] == ["Called the customer", "Line fixed"]
    sub = record_detail(engine, RecordRef("subscription", k.subscription_id))
    assert sub.sections[0].title == "Services" and len(sub.sections[0].rows) == 3
    contact = record_detail(engine, RecordRef("contact", k.contact_id))
    assert not any(label.endswith("norm") for label, _ in contact.fields)
    with pytest.raises(NotFound):
        record_detail(engine, RecordRef("invoice", 999999))
    with pytest.raises(NotFound):
        record_detail(engine, RecordRef("voucher_secret", 1))
    hidden_id = tabs.care_items(engine, k.contact_id, actor=SUPERVISOR, entity="case").rows
    hidden = next(r for r in hidden_id if r.number == "CS9000002")
    with pytest.raises(NotAllowed):
        record_detail(engine, RecordRef("case", hidden.id), actor=AGENT)
