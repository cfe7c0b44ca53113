"""The audit entry for call events the CTI listener refused (a post without the shared secret)."""

from __future__ import annotations

from sqlalchemy import Engine

from commcentre_tui.repo.audit import record
from commcentre_tui.repo.db import transaction
from commcentre_tui.text import inert

ACTION = "cti.listener.refused"
ENTITY = "cti_listener"


def record_refused_posts(
    engine: Engine,
    *,
    where: str,
    peer: str,
    reason: str,
    count: int,
    action: str = ACTION,
    entity: str = ENTITY,
    what: str = "call event post(s) to the CTI listener",
) -> None:
    """One audit entry (no agent: nobody signed in posted it) for ``count`` refused posts
    (``action``/``entity``/``what``: another endpoint's, e.g. the inbound SMS webhook)."""
    detail = (
        f"{count} {what} on {inert(where)} refused ({inert(reason)}); the last from {inert(peer)}."
    )
    with transaction(engine) as session:
        record(session, agent_id=None, action=action, entity=entity, detail=detail)
