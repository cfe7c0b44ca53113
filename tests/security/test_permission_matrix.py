"""Every default role against every action and every entity level, at the repository level.

The expected sets are written out here in plain words, independently of ``roles.py``: a change to
the defaults must be a deliberate change to this table too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from commcentre_tui.actions.registry import ALL_ACTIONS
from commcentre_tui.catalog import ACCESS_LEVELS, ENTITIES
from commcentre_tui.config import Settings
from commcentre_tui.errors import NotAllowed
from commcentre_tui.repo import agents as agents_repo
from commcentre_tui.repo.audit_queries import browse_audit
from commcentre_tui.repo.permissions import REFUSAL_ACTION, Actor, check, enforce
from commcentre_tui.roles import default_roles

from .conftest import audit_count, audit_rows

#: Actions each default role may NOT run (everything else is allowed).
DENIED: dict[str, set[str]] = {
    "agent": {
        "Cancel eVoucher",
        "Retrieve Voucher Secret Number",
        "Post an Invoice",
        "Bill Subscriber",
    },
    "finance": {
        "Plan a Job",
        "Raise a Service Request",
        "Schedule an Activity",
        "Take a Lead",
        "Open a Case",
        "Add a Follow-up",
        "Create a Task",
        "Follow Up",
        "Become Subscriber",
        "Manage Subscription",
        "Add Services",
        "Remove Services",
    },
    "supervisor": set(),
    "admin": set(),
}

#: Entity levels that differ from each role's default level.
LEVELS: dict[str, tuple[str, dict[str, str]]] = {
    "agent": ("edit", {"audit": "none", "agent": "select", "template": "view", "product": "view"}),
    "finance": (
        "view",
        {
            "account": "edit",
            "invoice": "edit",
            "payment": "edit",
            "bill": "edit",
            "credit": "edit",
            "wallet": "edit",
            "voucher": "edit",
            "communication": "edit",
            "audit": "none",
        },
    ),
    "supervisor": ("edit", {}),
    "admin": ("edit", {}),
}


def test_the_table_covers_every_default_role() -> None:
    assert set(DENIED) == set(default_roles()) == set(LEVELS)
    assert all(DENIED[r] <= set(ALL_ACTIONS) for r in DENIED)


@pytest.mark.parametrize("role", sorted(default_roles()))
def test_check_allows_exactly_the_roles_actions(role: str) -> None:
    actor = Actor(agent_id=1, username="x", role_name=role, role=default_roles()[role])
    for action in ALL_ACTIONS:
        if action in DENIED[role]:
            with pytest.raises(NotAllowed, match=f"Your role \\({role}\\) may not run"):
                check(actor, action=action)
        else:
            check(actor, action=action)


@pytest.mark.parametrize("role", sorted(default_roles()))
def test_check_grants_exactly_the_roles_entity_levels(role: str) -> None:
    actor = Actor(agent_id=1, username="x", role_name=role, role=default_roles()[role])
    default, overrides = LEVELS[role]
    for entity in ENTITIES:
        have = ACCESS_LEVELS.index(overrides.get(entity, default))
        for level in ACCESS_LEVELS:
            if ACCESS_LEVELS.index(level) <= have:
                check(actor, entity=entity, level=level)
            else:
                with pytest.raises(NotAllowed, match="access to"):
                    check(actor, entity=entity, level=level)


@pytest.mark.parametrize("role", sorted(default_roles()))
def test_enforce_on_the_database_refuses_and_audits_each_denied_action(
    engine: Engine,
    actors: Callable[[str], Actor],
    role: str,
) -> None:
    actor = actors(role)
    refused: set[str] = set()
    for action in ALL_ACTIONS:
        try:
            enforce(engine, actor, action=action)
        except NotAllowed:
            refused.add(action)
    assert refused == DENIED[role]
    entries = audit_rows(engine, REFUSAL_ACTION)
    assert len(entries) == len(DENIED[role])
    assert {e.after["action"] for e in entries if e.after} == DENIED[role]
    assert all(e.agent_id == actor.agent_id for e in entries)


def test_an_agent_calling_a_repository_write_directly_is_refused_and_audited(
    engine: Engine,
    settings: Settings,
    actors: Callable[[str], Actor],
) -> None:
    agent, supervisor = actors("agent"), actors("supervisor")
    with pytest.raises(NotAllowed, match="select access to agent records; this needs edit"):
        agents_repo.set_role(engine, settings, agent, supervisor.username, "agent")
    with pytest.raises(NotAllowed):
        agents_repo.set_role(engine, settings, agent, agent.username, "admin")  # promote yourself
    refusals = audit_rows(engine, REFUSAL_ACTION)
    assert [(r.agent_id, r.entity) for r in refusals] == [(agent.agent_id, "agent")] * 2
    assert "agent1" in refusals[0].detail and "needs edit" in refusals[0].detail
    # nothing changed
    info = agents_repo.get_agent(engine, supervisor, "agent1")
    assert info.role == "agent"


@pytest.mark.parametrize("role", ["agent", "finance"])
def test_only_supervisors_read_the_audit_trail(
    engine: Engine,
    actors: Callable[[str], Actor],
    role: str,
) -> None:
    before = audit_count(engine)
    with pytest.raises(NotAllowed):
        browse_audit(engine, actors(role))
    assert audit_count(engine) == before + 1
    assert audit_rows(engine)[-1].action == REFUSAL_ACTION
    page = browse_audit(engine, actors("supervisor"))
    assert page.rows[0].action == REFUSAL_ACTION and page.rows[0].entity == "audit"


def test_a_custom_role_with_audit_view_but_not_supervisor_is_still_refused(
    engine: Engine,
    settings: Settings,
) -> None:
    from commcentre_tui.roles import RoleSettings

    from .conftest import add_agent

    settings.roles["auditor"] = RoleSettings(default_level="view", actions=[])
    auditor = add_agent(engine, settings, "aud", role="auditor")
    with pytest.raises(NotAllowed, match="only supervisors"):
        browse_audit(engine, auditor)
    assert audit_rows(engine)[-1].action == REFUSAL_ACTION
