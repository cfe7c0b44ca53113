"""Agents: who is acting, and managing agents, their roles and their SSH keys.

Every write checks the acting agent's ``agent`` access level (``edit``) with
:func:`~commcentre_tui.repo.permissions.enforce` (a refusal is audited) and records an audit entry
in the same transaction as the change. Reads for the console and the CLI return frozen
:class:`AgentInfo` rows, never live ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from commcentre_tui.config import Settings
from commcentre_tui.errors import Conflict, NotFound, ValidationFailed
from commcentre_tui.models import Agent, AgentKey, AgentSession
from commcentre_tui.repo.actor_lookup import actor_for  # noqa: F401 (the agents' API)
from commcentre_tui.repo.agent_checks import (  # noqa: F401 (check_username: the agents' API)
    check_extension,
    check_role,
    check_time_zone,
    check_username,
    clean_text,
    parse_public_key,
)
from commcentre_tui.repo.audit import record, snapshot
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import Actor, enforce

_AUDITED = ("username", "display_name", "unit", "extension", "role", "active", "time_zone")


@dataclass(frozen=True)
class KeyInfo:
    """An agent's SSH public key as listed."""

    id: int
    fingerprint: str
    """``SHA256:…`` as ``ssh-keygen -l`` prints it."""
    algorithm: str
    comment: str
    created_at: datetime


@dataclass(frozen=True)
class AgentInfo:
    """An agent as listed (``keys`` only for actors with ``view`` on agents)."""

    id: int
    username: str
    display_name: str
    unit: str | None
    extension: str | None
    role: str
    active: bool
    created_at: datetime
    keys: tuple[KeyInfo, ...] = ()
    time_zone: str | None = None
    """IANA zone the agent reads times in (``None``: the server's)."""


@dataclass(frozen=True)
class LoginCandidate:
    """What the SSH server needs to decide a public-key login (no permission check: the server
    itself is the caller)."""

    agent_id: int
    username: str
    display_name: str
    active: bool
    fingerprints: frozenset[str]


# --- reads ------------------------------------------------------------------------------------


def _key_info(key: AgentKey) -> KeyInfo:
    algorithm = key.public_key.split(" ", 1)[0]
    return KeyInfo(key.id or 0, key.fingerprint, algorithm, key.comment, key.created_at)


def _info(agent: Agent, keys: list[AgentKey] | None = None) -> AgentInfo:
    return AgentInfo(
        id=agent.id or 0,
        username=agent.username,
        display_name=agent.display_name,
        unit=agent.unit,
        extension=agent.extension,
        role=agent.role,
        active=agent.active,
        created_at=agent.created_at,
        keys=tuple(_key_info(k) for k in keys or ()),
        time_zone=agent.time_zone,
    )


def _load(session: Session, username: str) -> Agent:
    agent: Agent | None = session.execute(
        select(Agent).where(col(Agent.username) == username)
    ).scalar_one_or_none()
    if agent is None:
        raise NotFound(f"No agent is called {username!r}.")
    return agent


def _keys(session: Session, agent_id: int) -> list[AgentKey]:
    return list(
        session.execute(
            select(AgentKey).where(col(AgentKey.agent_id) == agent_id).order_by(col(AgentKey.id))
        ).scalars()
    )


def list_agents(engine: Engine, actor: Actor, *, active_only: bool = False) -> list[AgentInfo]:
    """Agents by username (needs ``select`` on agents; keys are included with ``view``)."""
    enforce(engine, actor, entity="agent", level="select")
    with_keys = actor.may(entity="agent", level="view")
    with reading(engine) as session:
        query = select(Agent).order_by(col(Agent.username))
        if active_only:
            query = query.where(col(Agent.active).is_(True))
        agents = list(session.execute(query).scalars())
        keys: dict[int, list[AgentKey]] = {}
        if with_keys and agents:
            for key in session.execute(select(AgentKey).order_by(col(AgentKey.id))).scalars():
                keys.setdefault(key.agent_id, []).append(key)
    return [_info(a, keys.get(a.id or 0)) for a in agents]


def get_agent(engine: Engine, actor: Actor, username: str) -> AgentInfo:
    """One agent with keys (needs ``view`` on agents)."""
    enforce(engine, actor, entity="agent", level="view")
    with reading(engine) as session:
        agent = _load(session, username)
        return _info(agent, _keys(session, agent.id or 0))


def login_candidate(engine: Engine, username: str) -> LoginCandidate | None:
    """The agent an SSH login names and its key fingerprints, or ``None`` if there is none."""
    with reading(engine) as session:
        agent = session.execute(
            select(Agent).where(col(Agent.username) == username)
        ).scalar_one_or_none()
        if agent is None:
            return None
        fingerprints = frozenset(k.fingerprint for k in _keys(session, agent.id or 0))
    return LoginCandidate(
        agent.id or 0, agent.username, agent.display_name, agent.active, fingerprints
    )


def active_agent_ids(engine: Engine, agent_ids: set[int]) -> set[int]:
    """Which of ``agent_ids`` are still active agents (the SSH server's periodic check)."""
    with reading(engine) as session:
        return set(
            session.execute(
                select(col(Agent.id)).where(
                    col(Agent.id).in_(agent_ids), col(Agent.active).is_(True)
                )
            ).scalars()
        )


# --- writes -----------------------------------------------------------------------------------


def create_agent(
    engine: Engine,
    settings: Settings,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str = "agent",
    unit: str | None = None,
    extension: str | None = None,
    time_zone: str | None = None,
) -> AgentInfo:
    """Add an active agent; :class:`Conflict` if the username is taken."""
    enforce(engine, actor, entity="agent", level="edit")
    agent = Agent(
        username=check_username(username),
        display_name=clean_text(display_name, "display_name", "display name", 100, required=True)
        or "",
        role=check_role(settings, role),
        unit=clean_text(unit, "unit", "unit", 60, required=False),
        extension=check_extension(extension),
        time_zone=check_time_zone(time_zone),
    )
    with transaction(engine) as session:
        if session.execute(select(col(Agent.id)).where(col(Agent.username) == username)).first():
            raise Conflict(f"An agent called {username!r} already exists.")
        session.add(agent)
        session.flush()
        record(
            session,
            agent_id=actor.agent_id,
            action="create",
            entity="agent",
            entity_id=agent.id,
            after=snapshot(agent, _AUDITED),
            detail=f"by {actor.username}",
        )
    return _info(agent)


def _update(
    engine: Engine, actor: Actor, username: str, values: dict[str, object], what: str
) -> AgentInfo:
    enforce(engine, actor, entity="agent", level="edit")
    with transaction(engine) as session:
        agent = _load(session, username)
        before = snapshot(agent, _AUDITED)
        if all(getattr(agent, k) == v for k, v in values.items()):
            return _info(agent, _keys(session, agent.id or 0))
        agent = update_versioned(
            session, Agent, agent.id or 0, agent.version, dict(values), label="agent"
        )
        if values.get("active") is False:
            session.execute(delete(AgentSession).where(col(AgentSession.agent_id) == agent.id))
        record(
            session,
            agent_id=actor.agent_id,
            action="update",
            entity="agent",
            entity_id=agent.id,
            before=before,
            after=snapshot(agent, _AUDITED),
            detail=f"{what} by {actor.username}",
        )
        return _info(agent, _keys(session, agent.id or 0))


def disable_agent(engine: Engine, actor: Actor, username: str) -> AgentInfo:
    """Disable an agent: no more logins; their presence rows go at once. Idempotent."""
    if username == actor.username:
        raise ValidationFailed(
            "You cannot disable yourself; ask another administrator.", "username"
        )
    return _update(engine, actor, username, {"active": False}, "disabled")


def enable_agent(engine: Engine, actor: Actor, username: str) -> AgentInfo:
    """Enable a disabled agent again. Idempotent."""
    return _update(engine, actor, username, {"active": True}, "enabled")


def set_role(
    engine: Engine, settings: Settings, actor: Actor, username: str, role: str
) -> AgentInfo:
    """Give an agent another role (one that config defines)."""
    return _update(
        engine, actor, username, {"role": check_role(settings, role)}, f"role set to {role}"
    )


def update_agent(
    engine: Engine,
    actor: Actor,
    username: str,
    *,
    display_name: str | None = None,
    unit: str | None = None,
    extension: str | None = None,
    time_zone: str | None = None,
) -> AgentInfo:
    """Change display name, unit, extension or time zone (``None`` leaves a field; ``""``
    clears unit/extension; ``""`` or ``server`` gives the server's time zone)."""
    values: dict[str, object] = {}
    if display_name is not None:
        values["display_name"] = clean_text(
            display_name, "display_name", "display name", 100, required=True
        )
    if unit is not None:
        values["unit"] = clean_text(unit, "unit", "unit", 60, required=False)
    if extension is not None:
        values["extension"] = check_extension(extension)
    if time_zone is not None:
        values["time_zone"] = check_time_zone(time_zone)
    return _update(engine, actor, username, values, "details changed")


def add_key(engine: Engine, actor: Actor, username: str, public_key: str) -> KeyInfo:
    """Register an SSH public key for ``username``; a key already registered (to anyone) is refused."""
    enforce(engine, actor, entity="agent", level="edit")
    openssh, fingerprint, _algorithm, comment = parse_public_key(public_key)
    with transaction(engine) as session:
        agent = _load(session, username)
        owner = session.execute(
            select(col(Agent.username))
            .join(AgentKey, col(AgentKey.agent_id) == col(Agent.id))
            .where(col(AgentKey.fingerprint) == fingerprint)
        ).scalar_one_or_none()
        if owner is not None:
            whose = "this agent" if owner == username else f"the agent {owner!r}"
            raise Conflict(f"The key {fingerprint} is already registered to {whose}.")
        key = AgentKey(
            agent_id=agent.id or 0, public_key=openssh, fingerprint=fingerprint, comment=comment
        )
        session.add(key)
        session.flush()
        record(
            session,
            agent_id=actor.agent_id,
            action="add key",
            entity="agent",
            entity_id=agent.id,
            after={"fingerprint": fingerprint, "comment": comment},
            detail=f"by {actor.username}",
        )
        return _key_info(key)


def remove_key(engine: Engine, actor: Actor, username: str, fingerprint: str) -> None:
    """Remove one of ``username``'s keys by its ``SHA256:…`` fingerprint."""
    enforce(engine, actor, entity="agent", level="edit")
    with transaction(engine) as session:
        agent = _load(session, username)
        key = session.execute(
            select(AgentKey).where(
                col(AgentKey.agent_id) == agent.id, col(AgentKey.fingerprint) == fingerprint
            )
        ).scalar_one_or_none()
        if key is None:
            raise NotFound(f"The agent {username!r} has no key {fingerprint}.")
        session.delete(key)
        record(
            session,
            agent_id=actor.agent_id,
            action="remove key",
            entity="agent",
            entity_id=agent.id,
            before={"fingerprint": fingerprint, "comment": key.comment},
            detail=f"by {actor.username}",
        )
