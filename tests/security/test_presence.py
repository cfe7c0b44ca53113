"""Presence from heartbeat rows: who else has a customer open or a record in an edit form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui.config import Settings
from commcentre_tui.errors import NotAllowed
from commcentre_tui.models import AgentSession
from commcentre_tui.repo import presence
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import SYSTEM, Actor

from .conftest import add_agent


class Clock:
    """A controllable ``utcnow`` for the presence module."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 4, 10, 42, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    monkeypatch.setattr(presence, "utcnow", c)
    yield c


@pytest.fixture
def maria(engine: Engine, settings: Settings) -> Actor:
    return add_agent(engine, settings, "maria", display_name="Maria")


@pytest.fixture
def tom(engine: Engine, settings: Settings) -> Actor:
    return add_agent(engine, settings, "tom", display_name="Tom")


def rows(engine: Engine) -> int:
    with reading(engine) as session:
        return session.execute(select(func.count()).select_from(AgentSession)).scalar_one()


def test_others_see_who_has_a_customer_open_and_since_when(
    engine: Engine,
    clock: Clock,
    maria: Actor,
    tom: Actor,
) -> None:
    m = presence.open_session(engine, maria)
    t = presence.open_session(engine, tom)
    assert presence.heartbeat(engine, m, contact_id=7)
    opened = clock.now
    clock.advance(5)
    assert presence.heartbeat(engine, m, contact_id=7)  # same customer: "since" stays
    assert presence.heartbeat(engine, t, contact_id=7)
    assert presence.who_else_has(engine, 7, exclude_token=t) == [("Maria", opened)]
    assert [p.display_name for p in presence.who_else_has(engine, 7, exclude_token=m)] == ["Tom"]
    assert presence.who_else_has(engine, 8) == []
    note = presence.describe(presence.who_else_has(engine, 7, exclude_token=t), tz=UTC)
    assert note == "also open: Maria (since 10:42)"
    clock.advance(5)
    assert presence.heartbeat(engine, m, contact_id=8)  # moved on
    assert presence.who_else_has(engine, 7, exclude_token=t) == []
    assert presence.who_else_has(engine, 8, exclude_token=t) == [("Maria", clock.now)]


def test_editing_a_record(engine: Engine, clock: Clock, maria: Actor, tom: Actor) -> None:
    m = presence.open_session(engine, maria, contact_id=7)
    t = presence.open_session(engine, tom, contact_id=7)
    key = presence.record_key("case", 17)
    assert presence.heartbeat(engine, m, contact_id=7, editing=key)
    assert presence.who_else_edits(engine, key, exclude_token=t) == [("Maria", clock.now)]
    assert presence.who_else_edits(engine, key, exclude_token=m) == []
    assert presence.heartbeat(engine, m, contact_id=7)  # form closed
    assert presence.who_else_edits(engine, key, exclude_token=t) == []


def test_leaving_is_seen_at_once_and_a_dead_console_within_the_ttl(
    engine: Engine,
    clock: Clock,
    maria: Actor,
    tom: Actor,
) -> None:
    m = presence.open_session(engine, maria, contact_id=7)
    t = presence.open_session(engine, tom, contact_id=7)
    presence.close_session(engine, m)  # clean exit
    assert presence.who_else_has(engine, 7, exclude_token=t) == []
    m = presence.open_session(engine, maria, contact_id=7)  # comes back, then her console dies
    clock.advance(presence.TTL_SECONDS - 1)
    assert presence.heartbeat(engine, t, contact_id=7)
    assert presence.who_else_has(engine, 7, exclude_token=t) == [
        ("Maria", clock.now - timedelta(seconds=14))
    ]
    clock.advance(1)  # TTL seconds after her last heartbeat
    assert presence.who_else_has(engine, 7, exclude_token=t) == []
    assert presence.heartbeat(engine, m, contact_id=7) is False  # expired: must open a new one


def test_expired_rows_are_purged(engine: Engine, clock: Clock, maria: Actor, tom: Actor) -> None:
    presence.open_session(engine, maria)
    presence.open_session(engine, maria)
    clock.advance(presence.TTL_SECONDS + presence.PURGE_AFTER_SECONDS + 1)
    presence.open_session(engine, tom)
    assert rows(engine) == 1
    assert presence.purge_expired(engine) == 0


def test_an_agent_in_two_windows_is_listed_once_with_the_earliest_time(
    engine: Engine,
    clock: Clock,
    maria: Actor,
    tom: Actor,
) -> None:
    first = clock.now
    presence.open_session(engine, maria, contact_id=7)
    clock.advance(5)
    presence.open_session(engine, maria, contact_id=7)
    assert presence.who_else_has(engine, 7) == [("Maria", first)]


def test_the_system_actor_has_no_presence(engine: Engine) -> None:
    with pytest.raises(NotAllowed):
        presence.open_session(engine, SYSTEM)


def test_describe_lists_several(clock: Clock, actors: Callable[[str], Actor]) -> None:
    people = [
        presence.Presence("Maria", clock.now),
        presence.Presence("Tom", clock.now + timedelta(minutes=23)),
    ]
    assert presence.describe(people, tz=UTC) == "also open: Maria (since 10:42), Tom (since 11:05)"
    assert presence.describe([]) == ""
