"""Each agent reads times in their own time zone (``agent.time_zone``); storage stays UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from textual.widgets import DataTable, Select

from commcentre_tui import zones
from commcentre_tui.config import Settings
from commcentre_tui.repo.agents import update_agent
from commcentre_tui.repo.permissions import SYSTEM
from tests.console.conftest import settle, table_rows, type_text


async def newest_communication_time(app) -> str:  # type: ignore[no-untyped-def]
    """What the Customer Care tab shows as the date of C0000001's newest communication."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await type_text(pilot, "C0000001")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        app.screen.query_one("#care-type", Select).value = "communication"
        await settle(pilot)
        return table_rows(app.screen.query_one("#comms-table", DataTable))[0][0]


async def test_two_agents_see_the_same_communication_in_their_own_zones(
    make_app, demo_engine: Engine, settings: Settings
) -> None:
    with demo_engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT created_at FROM communication WHERE contact_id = 1 "
                "ORDER BY created_at DESC, id DESC LIMIT 1"
            )
        ).scalar_one()
    at = (datetime.fromisoformat(stored) if isinstance(stored, str) else stored).replace(tzinfo=UTC)
    update_agent(demo_engine, SYSTEM, "maria", time_zone="Asia/Tokyo")
    update_agent(demo_engine, SYSTEM, "george", time_zone="America/New_York")
    try:
        seen = {
            agent: await newest_communication_time(make_app(agent))
            for agent in ("maria", "george", "eleni")
        }
    finally:
        zones.use(None)
    assert seen == {
        "maria": f"{at.astimezone(ZoneInfo('Asia/Tokyo')):%Y-%m-%d %H:%M}",
        "george": f"{at.astimezone(ZoneInfo('America/New_York')):%Y-%m-%d %H:%M}",
        "eleni": f"{at:%Y-%m-%d %H:%M}",  # no zone of her own: the server's (UTC here)
    }
    assert len(set(seen.values())) == 3
    # Storage stays UTC: the row is as it was.
    with demo_engine.connect() as conn:
        assert (
            conn.execute(
                text(
                    "SELECT created_at FROM communication WHERE contact_id = 1 "
                    "ORDER BY created_at DESC, id DESC LIMIT 1"
                )
            ).scalar_one()
            == stored
        )
