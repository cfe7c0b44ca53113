"""The supervisors' audit browser: filters, newest first, keyset pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.models import AuditEntry
from commcentre_tui.repo import audit_queries
from commcentre_tui.repo.audit_queries import AuditFilter, audit_facets, browse_audit
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.permissions import Actor

from .conftest import add_agent

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def trail(engine: Engine, settings: Settings) -> dict[str, Actor]:
    maria = add_agent(engine, settings, "maria", display_name="Maria")
    tom = add_agent(engine, settings, "tom", display_name="Tom")
    with transaction(engine) as session:
        for i in range(30):
            who = maria if i % 3 else tom
            session.add(
                AuditEntry(
                    at=T0 + timedelta(hours=i),
                    agent_id=who.agent_id,
                    action="update" if i % 2 else "create",
                    entity="payment" if i % 5 == 0 else "contact",
                    entity_id=i,
                    before={"n": i - 1} if i % 2 else None,
                    after={"n": i},
                )
            )
        # two entries in the same instant: paging must not lose or repeat one
        session.add(
            AuditEntry(
                at=T0 + timedelta(hours=40),
                agent_id=None,
                action="login",
                entity="agent",
                detail="a",
            )
        )
        session.add(
            AuditEntry(
                at=T0 + timedelta(hours=40),
                agent_id=None,
                action="login",
                entity="agent",
                detail="b",
            )
        )
    return {"maria": maria, "tom": tom}


def all_pages(engine: Engine, actor: Actor, f: AuditFilter | None, limit: int) -> list[int]:
    ids: list[int] = []
    page = browse_audit(engine, actor, f, limit=limit)
    ids += [r.id for r in page.rows]
    while page.next_cursor:
        page = browse_audit(engine, actor, f, limit=limit, cursor=page.next_cursor)
        ids += [r.id for r in page.rows]
    return ids


def test_newest_first_in_pages_without_gaps(
    engine: Engine, trail: dict[str, Actor], actors: Callable[[str], Actor]
) -> None:
    boss = actors("supervisor")
    first = browse_audit(engine, boss, limit=5)
    assert [r.at for r in first.rows] == sorted((r.at for r in first.rows), reverse=True)
    assert first.rows[0].action == "login" and first.next_cursor is not None
    ids = all_pages(engine, boss, None, 4)
    assert len(ids) == len(set(ids)) == 32


def test_filters(engine: Engine, trail: dict[str, Actor], actors: Callable[[str], Actor]) -> None:
    boss = actors("supervisor")
    maria = trail["maria"]
    by_name = browse_audit(engine, boss, AuditFilter(agent="maria"), limit=100).rows
    assert len(by_name) == 20 and {r.agent_username for r in by_name} == {"maria"}
    assert by_name[0].agent_name == "Maria"
    assert [
        r.id for r in browse_audit(engine, boss, AuditFilter(agent=maria.agent_id), limit=100).rows
    ] == [r.id for r in by_name]
    payments = browse_audit(engine, boss, AuditFilter(entity="payment"), limit=100).rows
    assert sorted(r.entity_id for r in payments) == [0, 5, 10, 15, 20, 25]
    one = browse_audit(engine, boss, AuditFilter(entity="contact", entity_id=7), limit=100).rows
    assert [(r.before, r.after) for r in one] == [({"n": 6}, {"n": 7})]
    day = browse_audit(
        engine,
        boss,
        AuditFilter(since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=6)),
        limit=100,
    ).rows
    assert sorted(r.entity_id for r in day) == [2, 3, 4, 5]
    combined = all_pages(engine, boss, AuditFilter(agent="tom", action="create"), 2)
    assert len(combined) == 5  # i in 0, 6, 12, 18, 24


def test_bad_ranges(engine: Engine, actors: Callable[[str], Actor]) -> None:
    boss = actors("supervisor")
    with pytest.raises(ValidationFailed, match="time zone"):
        browse_audit(engine, boss, AuditFilter(since=datetime(2025, 1, 1)))
    with pytest.raises(ValidationFailed, match="after its start"):
        browse_audit(engine, boss, AuditFilter(since=T0, until=T0))


def test_facets(engine: Engine, trail: dict[str, Actor], actors: Callable[[str], Actor]) -> None:
    facets = audit_facets(engine, actors("supervisor"))
    assert facets.entities == ("agent", "contact", "payment")
    assert facets.actions == ("create", "login", "update")
    assert [username for _, username, _ in facets.agents] == ["maria", "tom"]


def test_the_module_offers_no_way_to_change_entries() -> None:
    public = {name for name in dir(audit_queries) if not name.startswith("_")}
    assert not {
        n for n in public if n.split("_")[0] in ("update", "delete", "edit", "remove", "set")
    }
