"""Who is acting: the logged-in agent read with one query, without loading the ORM models.

The console resolves its agent before the first frame; the models (~0.3 s to import) are not
needed for that frame, so this lookup uses SQLAlchemy Core on the ``agent`` table. So does
:func:`has_form_draft`, which the console asks right after start (the models and the form load
only when there is an unsaved form to offer back).
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from commcentre_tui.config import Settings
from commcentre_tui.errors import NotAllowed
from commcentre_tui.repo.permissions import Actor

_AGENT = text(
    "SELECT id, username, display_name, unit, extension, role, active, time_zone "
    "FROM agent WHERE username = :username"
)
_DRAFT = text("SELECT 1 FROM form_draft WHERE agent_id = :agent AND form = :form")
_FIRST_ACTIVE = text("SELECT username FROM agent WHERE active = :yes ORDER BY id LIMIT 1")

#: The communication form's autosave slot (``form_draft.form``): one unsaved communication per
#: agent. Here rather than with the form, so the console can ask about it without the models.
COMMUNICATION_FORM = "communication"


def actor_for(engine: Engine, settings: Settings, username: str) -> Actor:
    """The :class:`Actor` for an active agent called ``username``, or a one-sentence refusal."""
    with engine.connect() as conn:
        row = conn.execute(_AGENT, {"username": username}).first()
    if row is None:
        raise NotAllowed(
            f"No agent is called {username!r}; pass --agent NAME or set COMMCENTRE_AGENT "
            "(`commcentre agents list` shows who exists)."
        )
    if not row.active:
        raise NotAllowed(f"The agent {username!r} is disabled.")
    role = settings.roles.get(row.role)
    if role is None:
        raise NotAllowed(
            f"The agent {username!r} has the role {row.role!r}, which config does not define."
        )
    return Actor(
        agent_id=row.id,
        username=row.username,
        role_name=row.role,
        role=role,
        display_name=row.display_name,
        unit=row.unit,
        extension=row.extension,
        time_zone=row.time_zone,
    )


def first_active_username(engine: Engine) -> str | None:
    """The longest-standing active agent (benchmarks act as them)."""
    with engine.connect() as conn:
        return conn.execute(_FIRST_ACTIVE, {"yes": True}).scalar()


def has_form_draft(engine: Engine, agent_id: int, form: str) -> bool:
    """Whether agent ``agent_id`` has an autosaved, unsaved ``form`` (e.g. a communication)."""
    with engine.connect() as conn:
        found = conn.execute(_DRAFT, {"agent": agent_id, "form": form}).first() is not None
        conn.rollback()
    return found
