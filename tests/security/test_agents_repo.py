"""Managing agents in the repository: validation, SSH keys, idempotent changes, audit."""

from __future__ import annotations

from collections.abc import Callable

import asyncssh
import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from commcentre_tui.repo import agents as repo
from commcentre_tui.repo import presence
from commcentre_tui.repo.permissions import Actor

from .conftest import audit_rows


def public_key(comment: str = "maria@laptop", alg: str = "ssh-ed25519", **kw: int) -> str:
    key = asyncssh.generate_private_key(alg, comment=comment, **kw)
    return key.export_public_key().decode()


@pytest.fixture
def admin(actors: Callable[[str], Actor]) -> Actor:
    return actors("admin")


def test_create_list_and_audit(engine: Engine, settings: Settings, admin: Actor) -> None:
    info = repo.create_agent(
        engine,
        settings,
        admin,
        username="maria",
        display_name="  Maria   Kosta ",
        role="agent",
        unit="Care",
        extension="1001",
    )
    assert (
        info.username,
        info.display_name,
        info.role,
        info.unit,
        info.extension,
        info.active,
    ) == ("maria", "Maria Kosta", "agent", "Care", "1001", True)
    names = [a.username for a in repo.list_agents(engine, admin)]
    assert names == ["admin1", "maria"]
    created = audit_rows(engine, "create")[-1]
    assert created.agent_id == admin.agent_id and created.entity_id == info.id
    assert created.after and created.after["display_name"] == "Maria Kosta"


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("username", {"username": "Maria"}, "not a valid username"),
        ("username", {"username": "-rf"}, "not a valid username"),
        ("username", {"username": "a" * 33}, "not a valid username"),
        ("display_name", {"display_name": "   "}, "must not be empty"),
        ("role", {"role": "boss"}, "There is no role 'boss'; config defines admin, agent, finance"),
        ("extension", {"extension": "12a"}, "not a telephone extension"),
    ],
)
def test_create_refuses_bad_input_in_one_sentence(
    engine: Engine,
    settings: Settings,
    admin: Actor,
    field: str,
    kwargs: dict[str, str],
    message: str,
) -> None:
    values = {"username": "maria", "display_name": "Maria", "role": "agent", **kwargs}
    with pytest.raises(ValidationFailed, match=message) as caught:
        repo.create_agent(engine, settings, admin, **values)
    assert caught.value.field == field
    assert str(caught.value).count(".") >= 1 and "\n" not in str(caught.value)


def test_duplicate_username_is_a_conflict(engine: Engine, settings: Settings, admin: Actor) -> None:
    repo.create_agent(engine, settings, admin, username="maria", display_name="Maria")
    with pytest.raises(Conflict, match="already exists"):
        repo.create_agent(engine, settings, admin, username="maria", display_name="Other")


def test_disable_enable_and_set_role(engine: Engine, settings: Settings, admin: Actor) -> None:
    repo.create_agent(engine, settings, admin, username="tom", display_name="Tom")
    tom = repo.actor_for(engine, settings, "tom")
    token = presence.open_session(engine, tom, contact_id=None)
    assert repo.disable_agent(engine, admin, "tom").active is False
    with pytest.raises(NotAllowed, match="disabled"):
        repo.actor_for(engine, settings, "tom")
    assert presence.heartbeat(engine, token) is False  # their live session went with them
    before = len(audit_rows(engine))
    repo.disable_agent(engine, admin, "tom")  # idempotent: no second entry
    assert len(audit_rows(engine)) == before
    assert repo.enable_agent(engine, admin, "tom").active is True
    assert repo.set_role(engine, settings, admin, "tom", "finance").role == "finance"
    assert repo.actor_for(engine, settings, "tom").role_name == "finance"
    updates = audit_rows(engine, "update")
    assert [u.detail.split(" by ")[0] for u in updates] == [
        "disabled",
        "enabled",
        "role set to finance",
    ]
    assert updates[-1].before and updates[-1].before["role"] == "agent"
    assert updates[-1].after and updates[-1].after["role"] == "finance"
    with pytest.raises(ValidationFailed, match="no role"):
        repo.set_role(engine, settings, admin, "tom", "boss")
    with pytest.raises(NotFound, match="No agent is called 'ghost'"):
        repo.disable_agent(engine, admin, "ghost")
    with pytest.raises(ValidationFailed, match="cannot disable yourself"):
        repo.disable_agent(engine, admin, admin.username)


def test_keys_are_parsed_fingerprinted_and_unique(
    engine: Engine, settings: Settings, admin: Actor
) -> None:
    repo.create_agent(engine, settings, admin, username="maria", display_name="Maria")
    repo.create_agent(engine, settings, admin, username="tom", display_name="Tom")
    text = public_key()
    expected = asyncssh.import_public_key(text).get_fingerprint("sha256")
    key = repo.add_key(engine, admin, "maria", text + "\n")
    assert (key.fingerprint, key.algorithm, key.comment) == (
        expected,
        "ssh-ed25519",
        "maria@laptop",
    )
    assert repo.get_agent(engine, admin, "maria").keys == (key,)
    assert repo.login_candidate(engine, "maria").fingerprints == frozenset({expected})  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="already registered to this agent"):
        repo.add_key(engine, admin, "maria", text)
    with pytest.raises(Conflict, match="already registered to the agent 'maria'"):
        repo.add_key(engine, admin, "tom", text)
    repo.remove_key(engine, admin, "maria", expected)
    assert repo.get_agent(engine, admin, "maria").keys == ()
    with pytest.raises(NotFound):
        repo.remove_key(engine, admin, "maria", expected)
    assert [e.action for e in audit_rows(engine) if e.action.endswith("key")] == [
        "add key",
        "remove key",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not a key", "not an SSH public key"),
        ("", "not an SSH public key"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
            "private key",
        ),
    ],
)
def test_bad_keys_are_refused(
    engine: Engine, settings: Settings, admin: Actor, text: str, message: str
) -> None:
    repo.create_agent(engine, settings, admin, username="maria", display_name="Maria")
    with pytest.raises(ValidationFailed, match=message):
        repo.add_key(engine, admin, "maria", text)


def test_short_rsa_keys_are_refused(engine: Engine, settings: Settings, admin: Actor) -> None:
    repo.create_agent(engine, settings, admin, username="maria", display_name="Maria")
    with pytest.raises(ValidationFailed, match="1024 bits"):
        repo.add_key(engine, admin, "maria", public_key(alg="ssh-rsa", key_size=1024))


def test_select_level_lists_without_keys(
    engine: Engine,
    settings: Settings,
    admin: Actor,
    actors: Callable[[str], Actor],
) -> None:
    repo.create_agent(engine, settings, admin, username="maria", display_name="Maria")
    repo.add_key(engine, admin, "maria", public_key())
    agent = actors("agent")  # agent role: "select" on agents
    listed = {a.username: a for a in repo.list_agents(engine, agent)}
    assert listed["maria"].keys == ()
    assert repo.list_agents(engine, admin)[-1].keys  # admin sees them
    with pytest.raises(NotAllowed):
        repo.get_agent(engine, agent, "maria")
