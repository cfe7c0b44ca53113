"""The bulk path's batched reads and writes: every column of every row as the agent sees it, the
addresses a medium or a tag needs (and only those are read), and the outbox rows beside them."""

from __future__ import annotations

from sqlalchemy import Engine, select

from commcentre_tui import models as m
from commcentre_tui.comms.notify import notify
from commcentre_tui.repo.db import reading, transaction


def _template(engine: Engine, name: str, media: str, body: str, subject: str = "") -> int:
    with transaction(engine) as session:
        template = m.Template(name=name, media=media, subject=subject, body=body)
        session.add(template)
        session.flush()
        return int(template.id or 0)


def test_each_message_and_its_queue_entry_are_written_in_full(engine, ctx, customer) -> None:
    people = [customer(1, first="John"), customer(2, first="Eleni")]
    email_id = _template(
        engine,
        "Contact check",
        "email",
        "{{ contact.first_name }}: we call {{ contact.phone }}; we write to {{ contact.emails }}.",
        subject="Hello {{ contact.first_name }}",
    )
    letter_id = _template(engine, "Welcome letter", "letter", "Dear {{ contact.first_name }},")

    email = notify(engine, ctx.settings, ctx.actor, template="Contact check", segment="active")
    letter = notify(engine, ctx.settings, ctx.actor, template="Welcome letter", segment="active")

    assert (email.matched, email.queued, email.logged, email.skipped) == (2, 2, 0, 0)
    assert (letter.matched, letter.queued, letter.logged, letter.no_address) == (2, 0, 2, 0)
    with reading(engine) as session:
        rows = list(session.execute(select(m.Communication).order_by(m.Communication.id)).scalars())
        queue = list(
            session.execute(
                select(m.CommunicationQueue).order_by(m.CommunicationQueue.id)
            ).scalars()
        )
    john, eleni, john_letter, eleni_letter = rows
    # An email needs no phone, but its text does: the phone is read for the tag.
    assert john.content == "John: we call +35799100001; we write to customer1@example.com."
    assert (john.subject, john.recipient, eleni.recipient) == (
        "Hello John",
        "customer1@example.com",
        "customer2@example.com",
    )
    for row, who in ((john, people[0]), (eleni, people[1])):
        assert (
            row.contact_id,
            row.direction,
            row.media,
            row.state,
            row.delivery,
            row.category,
        ) == (who["contact"], "outgoing", "email", "completed", "queued", "Notification")
        assert (row.agent_id, row.template_id, row.related_type, row.related_id) == (
            ctx.actor.agent_id,
            email_id,
            "account",
            who["account"],
        )
        assert (row.attempts, row.version, row.sent_at, row.last_error, row.follow_up_of_id) == (
            0,
            1,
            None,
            None,
            None,
        )
        assert (
            row.completed_at == row.created_at and row.created_at.utcoffset().total_seconds() == 0
        )
    # A letter goes to the primary address, though its text does not print it; letters are logged.
    assert (john_letter.media, john_letter.delivery, john_letter.template_id) == (
        "letter",
        None,
        letter_id,
    )
    assert john_letter.recipient == eleni_letter.recipient == "1 Main St, 1000 Nicosia, Cyprus"
    assert eleni_letter.content == "Dear Eleni,"
    assert [(q.communication_id, q.status, q.attempts) for q in queue] == [
        (john.id, "queued", 0),
        (eleni.id, "queued", 0),
    ]
    assert all(q.next_attempt_at == q.created_at == john.created_at for q in queue)


def test_small_chunks_read_ahead_and_write_behind_the_same_rows(engine, ctx, customer) -> None:
    """Chunks of 2: the next chunk is read in one thread and the previous one written in another
    while a chunk renders; the rows, their order and the report are those of a single chunk."""
    for n in range(1, 8):
        customer(n, first=f"P{n}", language="el" if n % 3 == 0 else "en")
    _template(
        engine, "Hello", "email", "Hi {{ contact.first_name }} ({{ contact.customer_number }})"
    )

    def run(**options: int) -> tuple[object, list[tuple[object, ...]]]:
        report = notify(
            engine, ctx.settings, ctx.actor, template="Hello", segment="active", **options
        )
        with reading(engine) as session:
            c, q = m.Communication, m.CommunicationQueue
            rows = session.execute(
                select(c.contact_id, c.recipient, c.content, q.status)
                .join(q, q.communication_id == c.id)
                .order_by(c.id)
            ).all()
        with transaction(engine) as session:
            session.execute(m.CommunicationQueue.__table__.delete())
            session.execute(m.Communication.__table__.delete())
        return (report.matched, report.queued, report.samples), [tuple(r) for r in rows]

    one = run()
    assert run(chunk_size=2) == one
    assert len(one[1]) == 7 and one[1][0][2].startswith("Hi P1 (")
