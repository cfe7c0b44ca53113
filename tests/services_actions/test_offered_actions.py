"""The Action Panel's offer: config filter, the seed's no-customer rule, the agent's role."""

from __future__ import annotations

from pathlib import Path

from commcentre_tui.actions.offer import offered_actions
from commcentre_tui.actions.registry import ALL_ACTIONS, DEFAULT_ACTIONS, NO_CUSTOMER_ACTIONS
from commcentre_tui.config import DEFAULT_CONFIG_PATH, load_settings
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.roles import default_roles

ADMIN = Actor(agent_id=1, username="admin")


def names(settings, actor=ADMIN, loaded=True) -> list[str]:
    return [a.name for a in offered_actions(settings, actor, customer_loaded=loaded)]


def test_shipped_config_offers_every_action_once_a_customer_is_loaded() -> None:
    assert names(load_settings(DEFAULT_CONFIG_PATH)) == list(ALL_ACTIONS)


def test_without_a_customer_only_the_seeds_four_are_offered() -> None:
    assert set(names(load_settings(DEFAULT_CONFIG_PATH), loaded=False)) == set(NO_CUSTOMER_ACTIONS)


def test_absent_actions_section_offers_the_seed_defaults(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("", encoding="utf-8")
    settings = load_settings(path)
    assert names(settings) == list(DEFAULT_ACTIONS)
    assert names(settings, loaded=False) == [
        "Log Company Information",
        "Log Person Information",
        "Create new Account",
    ]


def test_role_hides_what_it_may_not_run() -> None:
    settings = load_settings(DEFAULT_CONFIG_PATH)
    finance = Actor(
        agent_id=2, username="eleni", role_name="finance", role=default_roles()["finance"]
    )
    offered = names(settings, finance)
    assert "Pay a Bill" in offered
    assert "Plan a Job" not in offered
    assert all(default_roles()["finance"].allows(n) for n in offered)


def test_groups_are_the_seeds() -> None:
    groups = {
        a.group
        for a in offered_actions(load_settings(DEFAULT_CONFIG_PATH), ADMIN, customer_loaded=True)
    }
    assert groups == {"CRM", "Billing & Subscription", "Finance"}
