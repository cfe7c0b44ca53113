"""Mirror ``settings.roles`` into the ``role`` and ``permission`` tables.

Config is the source of truth and the permission check reads it from memory; the tables exist so
reports, SQL users and other tools can read who may do what. Call :func:`sync_roles` when a
process starts (the SSH server and ``commcentre agents`` do): it is idempotent, writes only what
differs, and is safe when two processes start at once.

Rows written per role: ``kind="entity"`` for every entity (``level`` none/select/view/edit),
``kind="action"`` for every action (``level`` allow/deny), and ``kind="flag"`` for
``see_secrets`` and ``supervisor`` (``level`` yes/no).
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from commcentre_tui.catalog import ENTITIES
from commcentre_tui.config import Settings
from commcentre_tui.models import Permission, Role
from commcentre_tui.repo.db import transaction
from commcentre_tui.roles import RoleSettings, known_actions


def grants(role: RoleSettings) -> dict[tuple[str, str], str]:
    """Every row :func:`sync_roles` writes for ``role``: ``(kind, target) → level``."""
    rows: dict[tuple[str, str], str] = {("entity", e): role.level(e) for e in ENTITIES}
    rows |= {("action", a): "allow" if role.allows(a) else "deny" for a in known_actions()}
    rows[("flag", "see_secrets")] = "yes" if role.see_secrets else "no"
    rows[("flag", "supervisor")] = "yes" if role.supervisor else "no"
    return rows


def sync_roles(engine: Engine, settings: Settings) -> int:
    """Make the tables match config; returns how many rows were added, changed or removed."""
    try:
        return _sync(engine, settings)
    except IntegrityError:
        # Another process inserted the same rows between our read and write: read again.
        return _sync(engine, settings)


def _sync(engine: Engine, settings: Settings) -> int:
    changes = 0
    with transaction(engine) as session:
        roles = {r.name: r for r in session.execute(select(Role)).scalars()}
        perms: dict[tuple[str, str, str], Permission] = {
            (p.role, p.kind, p.target): p for p in session.execute(select(Permission)).scalars()
        }
        for name, role in settings.roles.items():
            description = role.description[:200]
            row = roles.get(name)
            if row is None:
                session.add(Role(name=name, description=description))
                changes += 1
            elif row.description != description:
                row.description = description
                changes += 1
        session.flush()
        wanted: set[tuple[str, str, str]] = set()
        for name, role in settings.roles.items():
            for (kind, target), level in grants(role).items():
                key = (name, kind, target)
                wanted.add(key)
                have = perms.get(key)
                if have is None:
                    session.add(Permission(role=name, kind=kind, target=target, level=level))
                    changes += 1
                elif have.level != level:
                    have.level = level
                    changes += 1
        for key, perm in perms.items():
            if key not in wanted:
                session.delete(perm)
                changes += 1
        session.flush()
        gone = [name for name in roles if name not in settings.roles]
        if gone:
            session.execute(delete(Role).where(Role.name.in_(gone)))  # type: ignore[attr-defined]  # execute() of an UPDATE/DELETE returns a CursorResult, which has rowcount
            changes += len(gone)
    return changes
