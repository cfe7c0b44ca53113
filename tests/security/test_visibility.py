"""Unit-only cases and communications: the owning unit and supervisors see them, nobody else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from commcentre_tui.config import Settings
from commcentre_tui.models import Case, Communication, Contact
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.visibility import (
    is_visible,
    visibility_filter,
    visible_cases,
    visible_communications,
)

from .conftest import add_agent


@pytest.fixture
def records(engine: Engine) -> None:
    with transaction(engine) as session:
        contact = Contact(customer_number="C1", first_name="Ann", last_name="Lee")
        session.add(contact)
        session.flush()
        cid = contact.id or 0
        for subject, visibility, unit in [
            ("open to all", "public", None),
            ("care only", "unit", "Care"),
            ("fraud only", "unit", "Fraud"),
            ("nobody's", "unit", None),
            ("internal marking", "internal", "Care"),
        ]:
            session.add(
                Communication(
                    contact_id=cid,
                    direction="incoming",
                    media="phone",
                    subject=subject,
                    visibility=visibility,
                    unit=unit,
                )
            )
            session.add(
                Case(
                    contact_id=cid,
                    number=f"CS-{subject}",
                    subject=subject,
                    visibility=visibility,
                    assigned_unit=unit,
                )
            )


def seen(engine: Engine, model: type, actor: Actor) -> set[str]:
    with reading(engine) as session:
        found = (
            session.execute(select(model).where(visibility_filter(model, actor))).scalars().all()
        )
        assert {r.subject for r in found} == {
            r.subject for r in session.execute(select(model)).scalars() if is_visible(r, actor)
        }
        return {r.subject for r in found}


@pytest.mark.parametrize("model", [Communication, Case])
def test_unit_only_records(engine: Engine, settings: Settings, records: None, model: type) -> None:
    care = add_agent(engine, settings, "carla", unit="Care")
    fraud = add_agent(engine, settings, "fred", unit="Fraud")
    loner = add_agent(engine, settings, "lou", unit=None)
    boss = add_agent(engine, settings, "sue", role="supervisor", unit="Sales")
    everything = {"open to all", "care only", "fraud only", "nobody's", "internal marking"}
    assert seen(engine, model, care) == {"open to all", "care only", "internal marking"}
    assert seen(engine, model, fraud) == {"open to all", "fraud only"}
    assert seen(engine, model, loner) == {"open to all"}
    assert seen(engine, model, boss) == everything


def test_named_helpers_match(
    engine: Engine, settings: Settings, records: None, actors: Callable[[str], Actor]
) -> None:
    agent = actors("agent")
    with reading(engine) as session:
        cases = session.execute(select(Case.subject).where(visible_cases(agent))).scalars().all()
        comms = (
            session.execute(select(Communication.subject).where(visible_communications(agent)))
            .scalars()
            .all()
        )
    assert set(cases) == set(comms) == {"open to all", "care only", "internal marking"}
    # other models are not restricted
    assert str(visibility_filter(Contact, agent)) == "true"
