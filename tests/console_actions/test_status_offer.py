"""Which status actions the panel offers: after their creating action, by config, role and customer."""

from __future__ import annotations

from commcentre_tui.actions.offer import offered_actions, status_action_for, with_status_actions
from commcentre_tui.actions.registry import ALL_ACTIONS, STATUS_ACTIONS
from commcentre_tui.config import DEFAULT_CONFIG_PATH, load_settings
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.roles import RoleSettings, default_roles

ADMIN = Actor(agent_id=1, username="admin")


def offered(settings, actor=ADMIN, loaded=True) -> list[str]:
    base = offered_actions(settings, actor, customer_loaded=loaded)
    return [a.name for a in with_status_actions(base, actor, customer_loaded=loaded)]


def test_each_status_action_follows_the_action_that_creates_its_record() -> None:
    names = offered(load_settings(DEFAULT_CONFIG_PATH))
    assert set(names) == set(ALL_ACTIONS) | set(STATUS_ACTIONS)
    for name, status in STATUS_ACTIONS.items():
        if status.after is not None:
            assert names.index(name) > names.index(status.after)
    assert names[names.index("Open a Case") + 1 : names.index("Open a Case") + 3] == [
        "Close a Case",
        "Reopen a Case",
    ]
    assert names[-1] == "Cancel Reward Transaction"  # the end of the Finance group


def test_no_status_action_without_a_customer() -> None:
    assert not set(offered(load_settings(DEFAULT_CONFIG_PATH), loaded=False)) & set(STATUS_ACTIONS)


def test_a_disabled_creating_action_hides_its_status_action() -> None:
    enabled = [a for a in ALL_ACTIONS if a != "Plan a Job"]
    names = offered(load_settings(DEFAULT_CONFIG_PATH, actions={"enabled": enabled}))
    assert "Update Job Status" not in names and "Update Task Status" in names


def test_roles_without_edit_or_without_the_creating_action_see_none() -> None:
    settings = load_settings(DEFAULT_CONFIG_PATH)
    finance = Actor(
        agent_id=2, username="eleni", role_name="finance", role=default_roles()["finance"]
    )
    assert not set(offered(settings, finance)) & set(STATUS_ACTIONS)
    viewer = Actor(
        agent_id=3,
        username="v",
        role_name="viewer",
        role=RoleSettings(default_level="edit", entities={"job": "view"}),
    )
    names = offered(settings, viewer)
    assert "Update Job Status" not in names and "Update Lead Status" in names


def test_the_status_key_picks_the_action_by_record() -> None:
    assert status_action_for("case", "open") == "Close a Case"
    assert status_action_for("case", "closed") == "Reopen a Case"
    assert status_action_for("job", "open") == "Update Job Status"
    assert status_action_for("reward_spend") == "Cancel Reward Transaction"
    assert status_action_for("communication") is None
