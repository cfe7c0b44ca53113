"""Incoming email from a real IMAP server (Dovecot on loopback), on both databases: a plain
email, HTML only, replies threaded to a sent email and to a case, an unknown sender attached
later, a bounce, attachments over the cap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from commcentre_tui import models as m
from commcentre_tui.comms.inbound.email_poller import KEYWORD, EmailPoller
from commcentre_tui.comms.inbound.quotes import preview
from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.errors import RuleViolation
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.inbound_queries import inbound_detail, unmatched
from commcentre_tui.repo.my_work import my_work
from commcentre_tui.repo.search.api import latest_communications
from commcentre_tui.services import communications as svc
from commcentre_tui.services.inbound import attach_to_customer
from tests.inbound.conftest import email_bytes, inbound_rows, incoming


def poll(engine, settings) -> EmailPoller:
    poller = EmailPoller(engine, settings)
    try:
        poller.poll_once()
    finally:
        poller.close()
    return poller


def test_a_plain_email_becomes_the_customers_incoming_email_once(
    engine, customer, mailbox, make_inbound
) -> None:
    ids = customer(1)
    mailbox.put(
        email_bytes(
            "Maria Georgiou <Customer1@EXAMPLE.com>",
            "My router",
            "It blinks red.\n\nOn Mon, Care wrote:\n> Hello\n",
        )
    )
    settings = make_inbound()
    first = poll(engine, settings)
    assert first.stats.imported == 1
    (comm,) = incoming(engine)
    assert (comm.contact_id, comm.media, comm.state, comm.agent_id) == (
        ids["contact"],
        "email",
        "completed",
        None,
    )
    assert comm.subject == "My router" and comm.recipient == "Customer1@EXAMPLE.com"
    assert "> Hello" in comm.content and preview(comm.content) == "It blinks red."
    assert all(KEYWORD.encode() in flags for flags in mailbox.flags().values())
    again = poll(engine, settings)
    assert again.stats.imported == 0 and len(incoming(engine)) == 1


def test_an_html_only_email_is_stored_as_text(engine, customer, mailbox, make_inbound) -> None:
    customer(1)
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<p>Dear team,</p><p>please <b>call</b> me at <a href='https://x.test/a'>my page</a>.</p>"
        "<p>[bold]not markup[/bold] &amp; more</p></body></html>"
    )
    mailbox.put(email_bytes("customer1@example.com", "HTML", None, html=html))
    poll(engine, make_inbound())
    (comm,) = incoming(engine)
    assert comm.content == (
        "Dear team,\n\nplease call me at my page (https://x.test/a).\n\n"
        "[bold]not markup[/bold] & more"
    )


def _send(engine, ctx, smtp_sink, settings, **fields) -> tuple[m.Communication, str]:
    comm = svc.create_communication(
        ctx, {"media": "email", "subject": "Your bill", "content": "Hi.", **fields}
    )
    settings.email.port = smtp_sink.port
    asyncio.run(DeliveryWorker(engine, settings).run_once())
    assert smtp_sink.wait_for(1)
    with reading(engine) as session:
        message_id = session.execute(
            select(m.CommunicationQueue.message_id).where(
                m.CommunicationQueue.communication_id == comm.id
            )
        ).scalar_one()
    return comm, message_id


def test_a_reply_is_threaded_to_the_sent_email_and_in_the_senders_my_work(
    engine, ctx, customer, mailbox, make_inbound, smtp_sink
) -> None:
    ids = customer(1)
    settings = make_inbound()
    sent, message_id = _send(engine, ctx, smtp_sink, settings, contact_id=ids["contact"])
    mailbox.put(
        email_bytes(
            "customer1@example.com", "Re: Your bill", "Paid it.\n> Hi.", in_reply_to=message_id
        )
    )
    poller = poll(engine, settings)
    assert poller.stats.threaded == 1
    (reply,) = incoming(engine)
    assert reply.follow_up_of_id == sent.id and reply.contact_id == ids["contact"]
    page = my_work(engine, ctx.actor, now=datetime.now(UTC), kinds=("incoming",))
    assert [(i.kind, i.id, i.mine) for i in page.items] == [("incoming", reply.id, True)]
    # answering it (Follow Up, saved) takes it off My Work
    svc.follow_up(ctx, reply.id, draft=False, content="Thank you.")
    assert my_work(engine, ctx.actor, now=datetime.now(UTC), kinds=("incoming",)).items == ()


def test_a_reply_to_a_cases_email_adds_a_follow_up_to_the_case(
    engine, ctx, customer, mailbox, make_inbound, smtp_sink
) -> None:
    from commcentre_tui.services.cases import open_case

    ids = customer(1)
    case = open_case(
        ctx, {"contact_id": ids["contact"], "subject": "No signal", "description": "Since Monday"}
    )
    settings = make_inbound()
    sent, message_id = _send(
        engine,
        ctx,
        smtp_sink,
        settings,
        contact_id=ids["contact"],
        related_type="case",
        related_id=case.id,
    )
    mailbox.put(
        email_bytes(
            "customer1@example.com", "Re: Your bill", "Still no signal.", in_reply_to=message_id
        )
    )
    poll(engine, settings)
    (reply,) = incoming(engine)
    assert (reply.related_type, reply.related_id, reply.follow_up_of_id) == (
        "case",
        case.id,
        sent.id,
    )
    with reading(engine) as session:
        follow_ups = (
            session.execute(select(m.FollowUp).where(m.FollowUp.case_id == case.id)).scalars().all()
        )
    assert [(f.kind, f.communication_id) for f in follow_ups] == [("communication", reply.id)]


def test_an_unknown_sender_waits_unmatched_until_attached(
    engine, ctx, customer, mailbox, make_inbound
) -> None:
    ids = customer(1)
    mailbox.put(
        email_bytes("Stranger <new.person@elsewhere.test>", "Do you sell fibre?", "Interested.")
    )
    poller = poll(engine, make_inbound())
    assert poller.stats.unmatched == 1
    (comm,) = incoming(engine)
    assert comm.contact_id is None
    page = unmatched(engine)
    assert [(r.communication_id, r.sender, r.sender_name) for r in page.rows] == [
        (comm.id, "new.person@elsewhere.test", "Stranger")
    ]
    assert latest_communications(engine, ctx.settings, ctx.actor.agent_id) == []
    assert my_work(engine, ctx.actor, now=datetime.now(UTC)).items == ()
    with pytest.raises(RuleViolation, match="Attach this communication to a customer"):
        svc.follow_up(ctx, comm.id)
    attach_to_customer(ctx, comm.id, ids["contact"])
    with pytest.raises(RuleViolation, match="already belongs to a customer"):
        attach_to_customer(ctx, comm.id, ids["contact"])
    assert unmatched(engine).rows == ()
    assert incoming(engine)[0].contact_id == ids["contact"]
    assert inbound_detail(engine, comm.id).match == "attached"
    with reading(engine) as session:
        entry = session.execute(
            select(m.AuditEntry).where(m.AuditEntry.action == "Attach to customer")
        ).scalar_one()
    assert entry.entity_id == comm.id and entry.after == {"contact_id": ids["contact"]}


def test_several_customers_with_the_address_the_newest_active_one_gets_it(
    engine, customer, mailbox, make_inbound
) -> None:
    customer(1, email="shared@example.com")
    newer = customer(2, email="shared@example.com")
    mailbox.put(email_bytes("shared@example.com", "Hi", "Which one am I?"))
    poll(engine, make_inbound())
    (comm,) = incoming(engine)
    assert comm.contact_id == newer["contact"]
    assert "belongs to 2 customers" in comm.shared_notes
    assert inbound_rows(engine)[0].match == "several"


def test_a_bounce_marks_the_delivery_failed_instead_of_a_communication(
    engine, ctx, customer, mailbox, make_inbound, smtp_sink
) -> None:
    ids = customer(1)
    settings = make_inbound()
    sent, message_id = _send(engine, ctx, smtp_sink, settings, contact_id=ids["contact"])
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: care@commcentre.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; customer1@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: care@commcentre.test\r\nTo: customer1@example.com\r\nMessage-ID: {message_id}\r\n"
        "Subject: Your bill\r\n\r\n--B--\r\n"
    ).encode()
    mailbox.put(dsn)
    poller = poll(engine, settings)
    assert poller.stats.bounces == 1 and incoming(engine) == []
    with reading(engine) as session:
        comm = session.get(m.Communication, sent.id)
    assert comm.delivery == "failed" and "550 5.1.1 User unknown" in comm.last_error


def test_attachments_are_stored_and_one_over_the_cap_only_listed(
    engine, customer, mailbox, make_inbound, tmp_path
) -> None:
    customer(1)
    big = b"\0" * (20 * 1024 * 1024)
    mailbox.put(
        email_bytes(
            "customer1@example.com",
            "Papers",
            "Two files.",
            attachments=[
                ("contract.pdf", "application/pdf", b"%PDF-1.4 small"),
                ("scan.tiff", "image/tiff", big),
            ],
        )
    )
    settings = make_inbound()
    poll(engine, settings)
    (comm,) = incoming(engine)
    files = inbound_detail(engine, comm.id).attachments
    assert [(f.filename, f.size, f.stored) for f in files] == [
        ("contract.pdf", 14, True),
        ("scan.tiff", len(big), False),
    ]
    assert "over the 10,000,000-byte attachment limit" in files[1].note
    stored = list((tmp_path / "attachments").rglob("*"))
    assert [p.read_bytes() for p in stored if p.is_file()] == [b"%PDF-1.4 small"]


def test_the_poller_keeps_running_between_passes_and_stops_on_request(
    engine, customer, mailbox, make_inbound
) -> None:
    import threading
    import time

    customer(1)
    poller = EmailPoller(engine, make_inbound())
    thread = threading.Thread(target=poller.run, daemon=True)
    thread.start()
    mailbox.put(email_bytes("customer1@example.com", "While you wait", "IDLE should notice."))
    deadline = time.monotonic() + 60
    while not incoming(engine) and time.monotonic() < deadline:
        time.sleep(0.05)
    poller.request_stop()
    thread.join(30)
    assert not thread.is_alive() and len(incoming(engine)) == 1


def test_imported_messages_can_be_moved_to_a_processed_folder(
    engine, customer, mailbox, make_inbound
) -> None:
    import uuid

    customer(1)
    tag = uuid.uuid4().hex[:8]
    mailbox.put(
        email_bytes("customer1@example.com", "First", "1", message_id=f"<a.{tag}@customer.test>"),
        email_bytes("customer1@example.com", "Second", "2", message_id=f"<b.{tag}@customer.test>"),
    )
    settings = make_inbound(processed_folder="Processed")
    assert poll(engine, settings).stats.imported == 2
    assert mailbox.flags() == {}
    client = mailbox.server.client()
    try:
        client.select_folder("Processed")
        moved = client.search(["HEADER", "Message-ID", tag])
    finally:
        client.logout()
    assert len(moved) == 2
    assert poll(engine, settings).stats.imported == 0 and len(incoming(engine)) == 2
