"""Latest Communications: the acting agent's own, newest first, at most the configured number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from commcentre_tui import models as m
from commcentre_tui.config import Settings, load_settings
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.search.api import latest_communications
from tests.conftest import TEST_CONFIG

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def logged(engine: Engine) -> tuple[int, int, list[int]]:
    """Two agents; the first logs 30 communications (two share a timestamp), the second 5."""
    with transaction(engine) as session:
        me = m.Agent(username="me", display_name="Me")
        other = m.Agent(username="other", display_name="Other")
        person = m.Contact(customer_number="C0000001", first_name="Maria", last_name="Georgiou")
        firm = m.Contact(customer_number="C0000002", kind="company", company_name="Aria Ltd")
        session.add_all([me, other, person, firm])
        session.flush()
        mine: list[tuple[datetime, int]] = []
        for i in range(30):
            when = T0 + timedelta(minutes=(i * 37) % 30 if i != 29 else 5)
            row = m.Communication(
                contact_id=(person if i % 2 else firm).id,
                agent_id=me.id,
                direction="incoming",
                media="phone",
                subject=f"call {i}",
                category="Billing",
                state="completed",
                created_at=when,
            )
            session.add(row)
            session.flush()
            mine.append((when, row.id))
        for i in range(5):
            session.add(
                m.Communication(
                    contact_id=person.id,
                    agent_id=other.id,
                    direction="outgoing",
                    media="email",
                    subject=f"other {i}",
                    created_at=T0 + timedelta(days=1),
                )
            )
        order = [cid for _, cid in sorted(mine, key=lambda t: (t[0], t[1]), reverse=True)]
        return me.id, other.id, order


def test_newest_first_own_only_and_limited(engine: Engine, settings: Settings) -> None:
    me, other, order = logged(engine)
    rows = latest_communications(engine, settings, me)
    assert [r.communication_id for r in rows] == order[:20]  # communications_limit = 20
    assert all(r.created_at.tzinfo is not None for r in rows)
    first = rows[0]
    assert first.contact_name in ("Maria Georgiou", "Aria Ltd")
    assert first.customer_number in ("C0000001", "C0000002")
    assert (first.direction, first.media, first.category, first.state) == (
        "incoming",
        "phone",
        "Billing",
        "completed",
    )
    assert [
        r.communication_id for r in latest_communications(engine, settings, me, limit=3)
    ] == order[:3]
    assert [r.subject for r in latest_communications(engine, settings, other)] == [
        f"other {i}" for i in range(4, -1, -1)
    ]
    assert latest_communications(engine, settings, 999_999) == []


def test_no_configured_maximum_means_all(engine: Engine) -> None:
    me, _other, order = logged(engine)
    everything = load_settings(TEST_CONFIG, search={"communications_limit": None})
    assert [r.communication_id for r in latest_communications(engine, everything, me)] == order
