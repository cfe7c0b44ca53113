"""Agents: who is acting, and managing agents, their roles and their SSH keys.

Every write checks the acting agent's ``agent`` access level (``edit``) with
:func:`~commcentre_tui.repo.permissions.enforce` (a refusal is audited) and records an audit entry
in the same transaction as the change. Reads for the console and the CLI return frozen
:class:`AgentInfo` rows, never live ORM objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from commcentre_tui.config import Settings
from commcentre_tui.errors import Conflict, NotFound, ValidationFailed
from commcentre_tui.models import Agent, AgentKey, AgentSession
from commcentre_tui.repo.actor_lookup import actor_for  # noqa: F401 (the agents' API)
from commcentre_tui.repo.audit import record, snapshot
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.locking import update_versioned
from commcentre_tui.repo.permissions import Actor, enforce

#: Agent usernames: what SSH clients send, so lower-case letters, digits, ``.``, ``_``, ``-``.
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
EXTENSION_RE = re.compile(r"^[0-9*#+]{1,20}$")
_AUDITED = ("username", "display_name", "unit", "extension", "role", "active")
MIN_RSA_BITS = 2048


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


@dataclass(frozen=True)
class LoginCandidate:
    """What the SSH server needs to decide a public-key login (no permission check: the server
    itself is the caller)."""

    agent_id: int
    username: str
    display_name: str
    active: bool
    fingerprints: frozenset[str]


# --- validation -------------------------------------------------------------------------------


def check_username(username: str) -> str:
    """``username`` if well formed, else :class:`ValidationFailed`."""
    if not USERNAME_RE.match(username or ""):
        raise ValidationFailed(
            f"{username!r} is not a valid username: use 1 to 32 lower-case letters, digits, '.', "
            "'_' or '-', starting with a letter.",
            "username",
        )
    return username


def _check_role(settings: Settings, role: str) -> str:
    if role not in settings.roles:
        raise ValidationFailed(
            f"There is no role {role!r}; config defines {', '.join(sorted(settings.roles))}.",
            "role",
        )
    return role


def _clean_text(
    value: str | None, field: str, label: str, limit: int, *, required: bool
) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise ValidationFailed(f"The {label} must not be empty.", field)
        return None
    if len(text) > limit:
        raise ValidationFailed(f"The {label} is longer than {limit} characters.", field)
    return text


def _check_extension(extension: str | None) -> str | None:
    if extension is None or not extension.strip():
        return None
    extension = extension.strip()
    if not EXTENSION_RE.match(extension):
        raise ValidationFailed(
            f"{extension!r} is not a telephone extension (digits, '*', '#' or '+', at most 20).",
            "extension",
        )
    return extension


def parse_public_key(text: str) -> tuple[str, str, str, str]:
    """``(openssh_text, fingerprint, algorithm, comment)`` for one SSH public key.

    Accepts the OpenSSH one-line form (``ssh-ed25519 AAAA… comment``) and RFC 4716 blocks; refuses
    private keys, DSA keys and RSA keys shorter than 2048 bits.
    """
    import asyncssh

    text = (text or "").strip()
    if "PRIVATE KEY" in text:
        raise ValidationFailed(
            "That is a private key; give the public key (the .pub file) and keep the private key "
            "secret.",
            "key",
        )
    try:
        key = asyncssh.import_public_key(text)
    except (asyncssh.KeyImportError, ValueError, TypeError):
        raise ValidationFailed(
            "That is not an SSH public key; expected one line like `ssh-ed25519 AAAA… name@host`.",
            "key",
        ) from None
    algorithm = key.algorithm.decode("ascii")
    if algorithm == "ssh-dss":
        raise ValidationFailed(
            "DSA keys are too weak; use an Ed25519 or RSA (2048+ bits) key.", "key"
        )
    bits = getattr(getattr(key, "pyca_key", None), "key_size", None)
    if algorithm == "ssh-rsa" and bits is not None and bits < MIN_RSA_BITS:
        raise ValidationFailed(
            f"This RSA key has {bits} bits; use an Ed25519 key or RSA with at least {MIN_RSA_BITS}.",
            "key",
        )
    comment = key.get_comment() or ""
    openssh = key.export_public_key("openssh").decode("ascii").strip()
    return openssh, key.get_fingerprint("sha256"), algorithm, comment[:200]


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
) -> AgentInfo:
    """Add an active agent; :class:`Conflict` if the username is taken."""
    enforce(engine, actor, entity="agent", level="edit")
    agent = Agent(
        username=check_username(username),
        display_name=_clean_text(display_name, "display_name", "display name", 100, required=True)
        or "",
        role=_check_role(settings, role),
        unit=_clean_text(unit, "unit", "unit", 60, required=False),
        extension=_check_extension(extension),
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
        engine, actor, username, {"role": _check_role(settings, role)}, f"role set to {role}"
    )


def update_agent(
    engine: Engine,
    actor: Actor,
    username: str,
    *,
    display_name: str | None = None,
    unit: str | None = None,
    extension: str | None = None,
) -> AgentInfo:
    """Change display name, unit or extension (``None`` leaves a field; ``""`` clears unit/extension)."""
    values: dict[str, object] = {}
    if display_name is not None:
        values["display_name"] = _clean_text(
            display_name, "display_name", "display name", 100, required=True
        )
    if unit is not None:
        values["unit"] = _clean_text(unit, "unit", "unit", 60, required=False)
    if extension is not None:
        values["extension"] = _check_extension(extension)
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
