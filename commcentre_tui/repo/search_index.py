"""Search-index maintenance hooks around bulk loads (filled in by the search engine work).

``suspend`` runs before a bulk load (e.g. drop per-row triggers), ``rebuild`` after it (rebuild
the full-text index, recreate triggers, refresh planner statistics). Both take a Connection.
"""

from __future__ import annotations

from sqlalchemy import Connection


def suspend(connection: Connection) -> None:
    """Prepare the search indexes for a bulk load."""


def rebuild(connection: Connection) -> None:
    """Bring the search indexes in step after a bulk load."""
