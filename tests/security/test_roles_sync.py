"""Config roles mirrored into the role and permission tables, idempotently."""

from __future__ import annotations

from sqlalchemy import Engine, select

from commcentre_tui.actions.registry import ALL_ACTIONS
from commcentre_tui.catalog import ENTITIES
from commcentre_tui.config import Settings
from commcentre_tui.models import Permission, Role
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.roles_sync import sync_roles
from commcentre_tui.roles import RoleSettings


def grants(engine: Engine) -> dict[tuple[str, str, str], str]:
    with reading(engine) as session:
        return {
            (p.role, p.kind, p.target): p.level
            for p in session.execute(select(Permission)).scalars()
        }


def role_names(engine: Engine) -> list[str]:
    with reading(engine) as session:
        return sorted(session.execute(select(Role.name)).scalars())


def test_first_sync_writes_every_grant_and_a_second_writes_nothing(
    engine: Engine, settings: Settings
) -> None:
    per_role = len(ENTITIES) + len(ALL_ACTIONS) + 2
    assert sync_roles(engine, settings) == len(settings.roles) * (per_role + 1)
    assert sync_roles(engine, settings) == 0
    assert role_names(engine) == ["admin", "agent", "finance", "supervisor"]
    table = grants(engine)
    assert table[("agent", "entity", "audit")] == "none"
    assert table[("agent", "entity", "agent")] == "select"
    assert table[("agent", "action", "Retrieve Voucher Secret Number")] == "deny"
    assert table[("finance", "action", "Retrieve Voucher Secret Number")] == "allow"
    assert table[("finance", "flag", "see_secrets")] == "yes"
    assert table[("supervisor", "flag", "supervisor")] == "yes"
    assert table[("agent", "flag", "supervisor")] == "no"


def test_config_changes_are_mirrored(engine: Engine, settings: Settings) -> None:
    sync_roles(engine, settings)
    del settings.roles["finance"]
    settings.roles["agent"] = settings.roles["agent"].model_copy(
        update={"entities": {**settings.roles["agent"].entities, "audit": "view"}}
    )
    settings.roles["trainee"] = RoleSettings(
        description="New starters", default_level="view", actions=[]
    )
    changes = sync_roles(engine, settings)
    assert changes > 0 and sync_roles(engine, settings) == 0
    assert role_names(engine) == ["admin", "agent", "supervisor", "trainee"]
    table = grants(engine)
    assert table[("agent", "entity", "audit")] == "view"
    assert table[("trainee", "action", "Create a Communication")] == "deny"
    assert not any(key[0] == "finance" for key in table)
