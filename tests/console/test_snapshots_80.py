"""SVG snapshots at 80×24 of the screens where something used to be cut off and that
``test_snapshots.py`` does not show: the Audit Trail, the bill preview and the communication
form's buttons (update: pytest --snapshot-update). The customer tabs' detail line is in that
module's tab snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commcentre_tui.models import AuditEntry
from commcentre_tui.repo.db import transaction
from tests.console.snapshot_steps import steps as shared_steps
from tests.console.snapshot_steps import toasts_stay  # noqa: F401  (the fixture, used below)

pytestmark = pytest.mark.usefixtures("toasts_stay")

NARROW = (80, 24)


def steps(*keys: str, **options):
    """The shared snapshot steps, toasts cleared."""
    return shared_steps(*keys, quiet=True, **options)


def form_open(app) -> bool:
    """an action form with its fields"""
    return bool(app.screen.query(".input")) or bool(app.screen.query("#field-subject"))


def preview_shown(app) -> bool:
    """the bill preview"""
    previews = app.screen.query("#preview")
    return bool(previews) and not previews.first().has_class("-empty")


def audit_read(app) -> bool:
    """the first page of the audit trail"""
    return getattr(app.screen, "page", None) is not None


def test_audit_trail_80(snap_compare, make_app) -> None:
    app = make_app("admin")
    start = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
    with transaction(app.engine) as session:
        for i, (entity, before, after) in enumerate(
            [
                ("contact", {"last_name": "Hadjigeorgiou"}, {"last_name": "Hadjigeorgiou-Smith"}),
                (
                    "subscription_service",
                    {"note": "Mobile data has not worked since the upgrade", "status": "open"},
                    {
                        "note": "Mobile data works again after the SIM was replaced",
                        "status": "closed",
                    },
                ),
            ]
        ):
            session.add(
                AuditEntry(
                    at=start + timedelta(hours=i),
                    agent_id=None,
                    action="update",
                    entity=entity,
                    entity_id=1000 + i,
                    before=before,
                    after=after,
                )
            )
    assert snap_compare(
        app,
        terminal_size=NARROW,
        run_before=steps("ctrl+p", "enter", typed={0: "Audit Trail"}, ready=audit_read),
    )


def test_bill_preview_80(snap_compare, make_app) -> None:
    assert snap_compare(
        make_app("admin"),
        terminal_size=NARROW,
        # A fixed Bill As Of Date (the cursor starts there): blank means the real today, and the
        # period shown would change every day.
        run_before=steps(
            "f10",
            "enter",
            "f9",
            search="C0000001",
            typed={0: "bill subscriber", 1: "2026-12-07"},
            ready=preview_shown,
        ),
    )


def test_communication_form_80(snap_compare, make_app) -> None:
    # Save as Draft, Save and Cancel on screen at 80×24.
    assert snap_compare(
        make_app(),
        terminal_size=NARROW,
        run_before=steps(
            "f10", "enter", search="C0000001", typed={0: "create a communication"}, ready=form_open
        ),
    )
