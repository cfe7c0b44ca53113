"""Export results (console palette): the current Quick or Advanced Search, every match, to a CSV
file in the agent's export folder.

Only roles with the ``export`` flag may; every export (and every refusal) is audited. The folder
is ``[ui] export_folder`` (``~`` expanded) with a sub-folder per agent, created private (0700);
empty means exporting is off — consoles served over SSH have it empty unless the administrator
gave ``serve-ssh --export-folder`` (an agent never writes files on the server otherwise).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commcentre_tui.errors import NotAllowed, ValidationFailed
from commcentre_tui.repo import audit
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.export_csv import SEARCH_COLUMNS, search_row
from commcentre_tui.repo.search.api import search_contacts
from commcentre_tui.services.context import ServiceContext

PAGE = 500


@dataclass(frozen=True)
class ExportDone:
    path: Path
    rows: int


def export_allowed(actor: Any, settings: Any) -> bool:
    """Whether "Export results" is offered: the role may export and a folder is set."""
    return bool(actor.role.export and settings.ui.export_folder.strip())


def export_folder(settings: Any, username: str) -> Path:
    return Path(settings.ui.export_folder.strip()).expanduser() / (username or "agent")


def export_results(ctx: ServiceContext, conditions: Sequence[Any], mode: str) -> ExportDone:
    """Write every match of ``conditions`` to a new CSV file; raises ``NotAllowed``
    (audited) or ``ValidationFailed`` (no folder, or it cannot be written)."""
    actor, settings = ctx.actor, ctx.settings
    if not actor.role.export:
        with transaction(ctx.engine) as session:
            audit.record(
                session,
                agent_id=actor.agent_id,
                action="permission refusal",
                entity="search",
                detail="Export results",
            )
        raise NotAllowed(f"Your role ({actor.role_name}) may not export results.")
    if not settings.ui.export_folder.strip():
        raise ValidationFailed(
            "Exporting is off in this console (no export folder is set).", "export_folder"
        )
    folder = export_folder(settings, actor.username)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"results-{stamp}.csv"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        rows = _write(ctx, conditions, mode, path)
    except OSError as exc:
        raise ValidationFailed(
            f"Cannot write to the export folder {folder}: {exc.strerror or exc}.", "export_folder"
        ) from None
    described = "; ".join(
        f"{c.field} {c.op or ''} {c.value}".replace("  ", " ") for c in conditions
    )
    with transaction(ctx.engine) as session:
        audit.record(
            session,
            agent_id=actor.agent_id,
            action="Export results",
            entity="search",
            after={"conditions": described, "mode": mode, "rows": rows, "file": str(path)},
            detail=f"{rows} rows to {path}",
        )
    return ExportDone(path, rows)


def _write(ctx: ServiceContext, conditions: Sequence[Any], mode: str, path: Path) -> int:
    rows = 0
    after = None
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # customer data
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SEARCH_COLUMNS)
        while True:
            page = search_contacts(
                ctx.engine, ctx.settings, conditions, mode=mode, limit=PAGE, after=after
            )
            for hit in page.hits:
                writer.writerow(search_row(hit))
            rows += len(page.hits)
            if not page.has_more or not page.hits:
                return rows
            after = page.hits[-1].sort_key
