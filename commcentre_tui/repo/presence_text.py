"""Presence without the database: the timings, who is present, and how that reads.

Kept apart from :mod:`commcentre_tui.repo.presence` (which re-exports all of it) so the console
can start its presence keeper before the ORM models are loaded.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import NamedTuple

#: A session with no heartbeat for this long no longer counts.
TTL_SECONDS = 15.0
#: How often a console should heartbeat (a third of the TTL: two missed beats are tolerated).
HEARTBEAT_SECONDS = 5.0


class Presence(NamedTuple):
    """Another agent who has something open: unpacks as ``(display_name, since)``."""

    display_name: str
    since: datetime
    """When they opened the customer (aware UTC); for an edit, when they opened its customer."""


def record_key(entity: str, record_id: int) -> str:
    """The ``editing`` value for a record: ``"case:17"``."""
    return f"{entity}:{record_id}"


def describe(people: list[Presence], *, prefix: str = "also open", tz: tzinfo | None = None) -> str:
    """``"also open: Maria (since 10:42), Tom (since 11:05)"``, or ``""`` for nobody.

    Times are shown in ``tz`` (default: the agent's, :mod:`commcentre_tui.zones`).
    """
    if not people:
        return ""
    from commcentre_tui import zones

    shown = tz or zones.zone()
    parts = [f"{p.display_name} (since {p.since.astimezone(shown):%H:%M})" for p in people]
    return f"{prefix}: {', '.join(parts)}"
