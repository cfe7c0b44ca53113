"""Nothing essential cut off at 80×24: the column that identifies a row keeps its width, free
text a column cuts ends with "…" and is whole on the detail line of the highlighted row; an
empty list says its whole sentence; the Audit Trail needs no horizontal scrolling; the bill
preview's periods are whole and the forms' buttons stay on screen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.widgets import Button

from commcentre_tui.models import AuditEntry
from commcentre_tui.repo.db import transaction
from commcentre_tui.widgets.record_table import RecordTable
from commcentre_tui.widgets.tabs import RecordDetail
from tests.console.conftest import settle, settle_until, type_text

SIZE = (80, 24)

#: An audit entry whose "What changed" is far wider than 80 columns.
LONG_BEFORE = "Mobile data has not worked since the weekend upgrade"
LONG_AFTER = "Mobile data works again after the SIM was replaced"


def screen_lines(app: Any) -> list[str]:
    """The text of each terminal line as drawn now."""
    update = app.screen._compositor.render_full_update()
    return ["".join(segment.text for segment in strip) for strip in update.strips]


def region_text(app: Any, widget: Any) -> str:
    """What is drawn in ``widget``'s region, its lines joined by spaces (words wrap there)."""
    region = widget.region
    lines = screen_lines(app)[region.y : region.bottom]
    return " ".join(line[region.x : region.right].strip() for line in lines).strip()


def detail_line(app: Any) -> str:
    """The visible customer tab's detail line, as drawn."""
    lines = [d for d in app.screen.query(RecordDetail) if d.region.height]
    assert len(lines) == 1, "one detail line on screen"
    return region_text(app, lines[0])


def cursor_values(table: RecordTable) -> list[str]:
    """The whole values of the highlighted row."""
    return [str(v) for v in table.get_row_at(table.cursor_row)]


async def search_and_load(pilot: Any, text: str) -> None:
    await pilot.press("f2")
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle_until(
        pilot, lambda app: app.console_screen.loaded_customer is not None, "the customer"
    )
    await settle(pilot)


async def test_tabs_show_the_highlighted_record_whole_on_the_detail_line(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_and_load(pilot, "C0000001")
        # Customer Care: the summary cut with "…" in its column, whole under the table.
        await pilot.press("f8")
        await settle(pilot)
        table = app.screen.query_one("#care-table", RecordTable)
        assert app.focused is table
        await pilot.press("down")  # the service request: "Relocation: reported by …"
        await settle(pilot)
        kind, number, _type, _status, summary, created = cursor_values(table)
        assert len(summary) > 20
        drawn = region_text(app, table)
        assert summary not in drawn and f"{summary[:8]}" in drawn  # cut in its column …
        assert "…" in drawn
        detail = detail_line(app)
        assert f"Summary: {summary}" in detail  # … whole on the detail line
        assert detail.startswith(f"{kind} · {number}") and created in detail
        assert all(len(line) <= 80 for line in screen_lines(app))
        # The identifying columns keep their width: every number is whole in its row.
        for row in range(table.row_count):
            assert str(table.get_row_at(row)[1]) in drawn

        # Communications: the highlighted subject whole on the detail line.
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # since, status, type
        await pilot.press("enter", *["down"] * 7, "enter")  # … "Communications"
        await settle(pilot)
        comms = app.screen.query_one("#comms-table", RecordTable)
        assert comms.row_count > 1
        subject = cursor_values(comms)[4]
        assert f"Subject: {subject}" in detail_line(app)
        # An empty list says its whole sentence, in the table and on the detail line.
        await pilot.press("tab")  # the type → since (the status is off for communications)
        assert app.focused is app.screen.query_one("#care-since")
        await type_text(pilot, "2099-01-01")
        await pilot.press("enter")
        await settle(pilot)
        assert any(line.strip() == "No communications match." for line in screen_lines(app))
        assert detail_line(app) == "No communications match."

        # Financials: moving into the transactions puts their row on the detail line.
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("tab", "tab")  # accounts → kind filter → transactions
        await settle(pilot)
        tx = app.screen.query_one("#fin-tx", RecordTable)
        assert app.focused is tx
        date, _kind, number, description, *_ = cursor_values(tx)
        assert detail_line(app).startswith(f"{date} · ")
        assert f"Description: {description}" in detail_line(app)


async def test_audit_trail_fits_80_columns_and_shows_what_changed_whole(make_app) -> None:
    app = make_app("admin")
    with transaction(app.engine) as session:
        session.add(
            AuditEntry(
                at=datetime(2026, 6, 1, 9, 30, tzinfo=UTC),
                agent_id=None,
                action="update",
                entity="subscription_service",
                entity_id=123456,
                before={"note": LONG_BEFORE, "status": "open"},
                after={"note": LONG_AFTER, "status": "closed"},
            )
        )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Audit Trail")
        await settle(pilot)
        await pilot.press("enter")
        await settle_until(
            pilot, lambda a: getattr(a.screen, "page", None) is not None, "the audit trail"
        )
        table = app.screen.query_one("#audit-table")
        assert table.virtual_size.width <= table.size.width  # no horizontal scrolling
        assert "What changed" in "\n".join(screen_lines(app))
        detail = region_text(app, app.screen.query_one("#audit-detail"))
        assert "Entity: subscription_service" in detail
        assert f"note: {LONG_BEFORE} → {LONG_AFTER}" in detail
        assert "status: open → closed" in detail


async def test_bill_preview_periods_whole_and_its_buttons_on_screen(make_app) -> None:
    app = make_app("admin")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_and_load(pilot, "C0000001")
        # Bill Subscriber: the preview's periods whole, its buttons still on screen.
        await pilot.press("f10")
        await settle(pilot)
        await type_text(pilot, "bill subscriber")
        await pilot.press("enter")
        await settle_until(pilot, lambda a: bool(a.screen.query("#field-as_of")), "the form")
        await pilot.press("f9")
        await settle_until(
            pilot, lambda a: not a.screen.query_one("#preview").has_class("-empty"), "the preview"
        )
        drawn = screen_lines(app)
        periods = [line for line in drawn if " – 2026-" in line]
        assert periods and all(line.count("2026-") == 2 for line in periods), periods
        for button in app.screen.query(Button):
            assert button.region.bottom <= SIZE[1], f"{button.label} off screen"
        # The rest of the preview (its total) is a scroll away, not cut off.
        app.screen.query_one("#fields").focus()
        await pilot.press("end")
        await settle(pilot)
        assert any("Total EUR" in line for line in screen_lines(app))
