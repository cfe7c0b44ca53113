"""The domain model on both backends: every entity round-trips, money is exact, times are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import SQLModel

from commcentre_tui import models as m
from commcentre_tui.errors import Conflict, NotFound
from commcentre_tui.models.security import QueueAbandon, QueueCaller, QueueStatus
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.numbers import next_number

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


def build_everything(session) -> dict[str, SQLModel]:
    """One row of every table, linked the way the product links them."""
    agent = m.Agent(username="maria", display_name="Maria Georgiou", unit="Care", extension="1001")
    session.add(agent)
    session.flush()
    contact = m.Contact(
        customer_number="c0000001",
        first_name="María",
        last_name="Müller",
        custom_fields={"Loyalty tier": "gold"},
        created_at=NOW,
    )
    session.add(contact)
    session.flush()
    rows: dict[str, SQLModel] = {"agent": agent, "contact": contact}
    product = m.Product(code="TV-BASIC", name="TV Basic", price=Decimal("19.99"))
    one_time = m.Product(code="INSTALL", name="Installation", kind="one_time", price=Decimal("50"))
    session.add_all([product, one_time])
    session.flush()
    account = m.Account(
        contact_id=contact.id, number="A00000001", balance=Decimal("123456789012.34")
    )
    session.add(account)
    session.flush()
    sub = m.Subscription(account_id=account.id, number="S00000001", start_date=date(2026, 1, 1))
    session.add(sub)
    session.flush()
    bill = m.Bill(
        account_id=account.id,
        subscription_id=sub.id,
        number="B000000001",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        bill_date=date(2026, 11, 1),
        due_date=date(2026, 11, 30),
        subtotal=Decimal("0.10"),
        tax=Decimal("0.20"),
        amount=Decimal("0.30"),
    )
    session.add(bill)
    session.flush()
    wallet = m.Wallet(account_id=account.id, balance=Decimal("5.00"))
    session.add(wallet)
    session.flush()
    participant = m.RewardParticipant(
        contact_id=contact.id, account_id=account.id, number="R00000001", points=10
    )
    case = m.Case(contact_id=contact.id, number="CS0000001", subject="Picture quality")
    activity = m.Activity(
        contact_id=contact.id, number="AC0000001", type="Installation", start_at=NOW
    )
    session.add_all([participant, case, activity])
    session.flush()
    comm = m.Communication(
        contact_id=contact.id,
        agent_id=agent.id,
        direction="incoming",
        media="phone",
        subject="Complaint",
        content="No picture",
        created_at=NOW,
    )
    template = m.Template(name="welcome", media="email", subject="Welcome {{ contact.first_name }}")
    session.add_all([comm, template])
    session.flush()
    rest = {
        "phone": m.ContactPhone(
            contact_id=contact.id, number="99 123456", e164="+35799123456", is_primary=True
        ),
        "email": m.ContactEmail(contact_id=contact.id, address="Maria@Example.com"),
        "address": m.ContactAddress(
            contact_id=contact.id, street="Λεωφόρος Μακαρίου 1", city="Λευκωσία"
        ),
        "sequence": m.NumberSequence(name="contact", next_value=2),
        "service": m.SubscriptionService(
            subscription_id=sub.id,
            product_id=product.id,
            price=Decimal("19.99"),
            start_date=date(2026, 1, 1),
        ),
        "sub_event": m.SubscriptionEvent(
            subscription_id=sub.id, action="created", agent_id=agent.id
        ),
        "line": m.BillLine(
            bill_id=bill.id,
            description="TV Basic",
            product_id=product.id,
            quantity=Decimal("0.5"),
            unit_price=Decimal("19.99"),
            amount=Decimal("10.00"),
        ),
        "invoice": m.Invoice(account_id=account.id, number="I00000001", amount=Decimal("0.01")),
        "payment": m.Payment(
            account_id=account.id, bill_id=bill.id, number="P000000001", amount=Decimal("0.30")
        ),
        "credit": m.Credit(account_id=account.id, amount=Decimal("1.10"), reason="goodwill"),
        "wallet_tx": m.WalletTransaction(
            wallet_id=wallet.id, amount=Decimal("-2.50"), kind="debit"
        ),
        "voucher": m.Voucher(
            serial="V000000001", secret_number="1234-5678", value=Decimal("20.00")
        ),
        "award": m.RewardAwardTransaction(participant_id=participant.id, points=10),
        "spend": m.RewardSpendTransaction(
            participant_id=participant.id, points=3, state="cancelled", cancelled_at=NOW
        ),
        "queue": m.CommunicationQueue(communication_id=comm.id),
        "draft": m.FormDraft(
            agent_id=agent.id, form="communication", payload={"subject": "half typed"}
        ),
        "activity_service": m.ActivityService(activity_id=activity.id, product_id=one_time.id),
        "job": m.Job(contact_id=contact.id, number="J0000001", type="Repair", scheduled_at=NOW),
        "service_request": m.ServiceRequest(
            contact_id=contact.id, number="SR0000001", type="Fault"
        ),
        "lead": m.Lead(contact_id=contact.id, number="L0000001", potential_value=Decimal("99.95")),
        "follow_up": m.FollowUp(case_id=case.id, note="Called back", communication_id=comm.id),
        "task": m.Task(
            contact_id=contact.id,
            subject="Call back",
            due_at=NOW + timedelta(hours=1),
            remind_at=NOW + timedelta(minutes=45),
        ),
        "agent_key": m.AgentKey(
            agent_id=agent.id, public_key="ssh-ed25519 AAAA test", fingerprint="SHA256:x"
        ),
        "role": m.Role(name="agent", description="Front line"),
        "session": m.AgentSession(agent_id=agent.id, token="t" * 32, contact_id=contact.id),
        "audit": m.AuditEntry(
            agent_id=agent.id,
            action="create",
            entity="contact",
            entity_id=contact.id,
            after={"first_name": "María"},
        ),
        "change": m.ContactChange(contact_id=contact.id, version=3, changed_at=NOW),
        "queue_status": QueueStatus(queue="support", waiting=2, longest_since=NOW, reported_at=NOW),
        "inbound": m.InboundMessage(
            channel="email",
            mailbox="care@imap:993/INBOX",
            uidvalidity=4_000_000_000,
            uid=7,
            message_id="<x@customer.test>",
            outcome="imported",
            communication_id=comm.id,
            sender="maria@example.com",
            match="one",
            owner_agent_id=agent.id,
            received_at=NOW,
        ),
        "attachment": m.InboundAttachment(
            communication_id=comm.id,
            filename="bill.pdf",
            size=1234,
            sha256="0" * 64,
            stored_path="00/" + "0" * 64,
        ),
        "queue_caller": QueueCaller(
            queue="support", uniqueid="1700000000.1", caller="+35799123456", joined_at=NOW
        ),
        "queue_abandon": QueueAbandon(
            queue="support", uniqueid="1700000000.2", caller="+35799123457", wait_seconds=42
        ),
    }
    session.add_all(rest.values())
    session.flush()
    session.add(m.Permission(role="agent", kind="action", target="Pay a Bill"))
    rows.update(rest)
    rows.update(
        product=product,
        account=account,
        subscription=sub,
        bill=bill,
        wallet=wallet,
        participant=participant,
        case=case,
        activity=activity,
        communication=comm,
        template=template,
    )
    return rows


def test_every_table_round_trips(engine: Engine) -> None:
    with transaction(engine) as session:
        rows = build_everything(session)
        keys = {name: (type(row), row.model_dump()) for name, row in rows.items()}
    tables_written = {model.__tablename__ for model, _ in keys.values()} | {"permission"}
    assert tables_written == set(SQLModel.metadata.tables)

    with reading(engine) as session:
        for name, (model, data) in keys.items():
            pk = (
                (data["queue"], data["uniqueid"])
                if "uniqueid" in data
                else data.get("id", data.get("name", data.get("contact_id", data.get("queue"))))
            )
            loaded = session.get(model, pk)
            assert loaded is not None, name
            assert loaded.model_dump() == data, name


def test_money_is_exact_decimal_and_datetimes_are_aware_utc(engine: Engine) -> None:
    with transaction(engine) as session:
        rows = build_everything(session)
        account_id, bill_id = rows["account"].id, rows["bill"].id
    with reading(engine) as session:
        account = session.get(m.Account, account_id)
        bill = session.get(m.Bill, bill_id)
        assert account.balance == Decimal("123456789012.34")
        assert isinstance(bill.amount, Decimal)
        assert bill.subtotal + bill.tax == bill.amount  # 0.10 + 0.20 == 0.30 exactly
        total = session.execute(select(m.Bill.amount + m.Bill.subtotal)).scalar_one()
        contact = session.execute(select(m.Contact)).scalar_one()
        assert contact.created_at == NOW and contact.created_at.tzinfo is not None
    assert Decimal(total) == Decimal("0.40")


def test_sum_of_money_in_sql_is_exact(engine: Engine) -> None:
    from sqlalchemy import func

    with transaction(engine) as session:
        contact = m.Contact(customer_number="C1", last_name="Sum")
        session.add(contact)
        session.flush()
        account = m.Account(contact_id=contact.id, number="A1")
        session.add(account)
        session.flush()
        for i in range(10):
            session.add(m.Invoice(account_id=account.id, number=f"I{i}", amount=Decimal("0.10")))
    with reading(engine) as session:
        total = session.execute(select(func.sum(m.Invoice.amount))).scalar_one()
    assert total == Decimal("1.00")


def test_naive_datetimes_and_float_money_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="timezone"), transaction(engine) as session:
        session.add(m.Agent(username="x", display_name="X", created_at=datetime(2026, 1, 1)))
        session.flush()
    with pytest.raises(Exception, match="float"), transaction(engine) as session:
        contact = m.Contact(customer_number="C9", last_name="Float")
        session.add(contact)
        session.flush()
        session.add(m.Account(contact_id=contact.id, number="A9", balance=0.1))
        session.flush()
    with reading(engine) as session:
        assert session.execute(select(m.Agent)).first() is None


def test_other_timezones_are_stored_as_utc(engine: Engine) -> None:
    cyprus = timezone(timedelta(hours=2))
    with transaction(engine) as session:
        session.add(
            m.Agent(
                username="tz", display_name="TZ", created_at=datetime(2026, 1, 1, 12, tzinfo=cyprus)
            )
        )
    with reading(engine) as session:
        agent = session.execute(select(m.Agent)).scalar_one()
    assert agent.created_at == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert agent.created_at.utcoffset() == timedelta(0)


def test_shadow_columns_fold_case_and_accents(engine: Engine) -> None:
    with transaction(engine) as session:
        rows = build_everything(session)
        contact_id = rows["contact"].id
    with reading(engine) as session:
        contact = session.get(m.Contact, contact_id)
        email = session.execute(select(m.ContactEmail)).scalar_one()
        address = session.execute(select(m.ContactAddress)).scalar_one()
    assert (contact.first_name_norm, contact.last_name_norm) == ("maria", "muller")
    assert contact.sort_name == "muller maria"
    assert contact.customer_number == "C0000001"
    assert email.address_norm == "maria@example.com"
    assert address.city_norm == "λευκωσια"


def test_stale_update_is_a_conflict_and_changes_nothing(engine: Engine) -> None:
    with transaction(engine) as session:
        contact = m.Contact(customer_number="C2", first_name="Anna", last_name="Ioannou")
        session.add(contact)
        session.flush()
        contact_id = contact.id

    with transaction(engine) as session:  # agent 1 saves first, from version 1
        saved = update_versioned(session, m.Contact, contact_id, 1, {"first_name": "Ann"})
        assert saved.version == 2

    with (
        pytest.raises(Conflict, match="Another agent changed this contact"),
        transaction(engine) as session,
    ):
        update_versioned(
            session, m.Contact, contact_id, 1, {"first_name": "Annie"}
        )  # agent 2, stale

    with reading(engine) as session:
        contact = session.get(m.Contact, contact_id)
    assert (contact.first_name, contact.version) == ("Ann", 2)

    with pytest.raises(NotFound), transaction(engine) as session:
        update_versioned(session, m.Contact, 999, 1, {"first_name": "Ghost"})


def test_business_numbers_are_sequential_per_series(engine: Engine) -> None:
    with transaction(engine) as session:
        first = next_number(session, "contact")
        second = next_number(session, "contact")
        account = next_number(session, "account")
    assert (first, second, account) == ("C0000001", "C0000002", "A00000001")


def test_sqlite_stores_cents_and_postgres_numeric(engine: Engine) -> None:
    with transaction(engine) as session:
        contact = m.Contact(customer_number="C3", last_name="Raw")
        session.add(contact)
        session.flush()
        session.add(m.Account(contact_id=contact.id, number="A3", balance=Decimal("12.34")))
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT balance FROM account")).scalar_one()
    expected = 1234 if engine.dialect.name == "sqlite" else Decimal("12.34")
    assert raw == expected
