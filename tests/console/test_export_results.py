"""Export results: the palette writes every match of the current search to the agent's export
folder (roles with the export flag only; audited); over SSH it is off unless the admin sets a
folder."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from commcentre_tui.config import load_settings
from commcentre_tui.ssh.server import ServeOptions
from tests.conftest import TEST_CONFIG
from tests.console.conftest import settle, settle_until, table_rows, type_text


def _palette_titles(app) -> list[str]:
    from textual.widgets import OptionList

    lists = app.screen.query(OptionList)
    if not lists:
        return []
    found = lists.first()
    return [str(found.get_option_at_index(i).prompt).strip() for i in range(found.option_count)]


async def test_export_results_writes_every_match_to_the_agents_folder(
    make_app, demo_engine, tmp_path
) -> None:
    settings = load_settings(TEST_CONFIG, ui={"export_folder": str(tmp_path / "exports")})
    app = make_app("admin", settings=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "Export results" not in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("f2")
        await type_text(pilot, "c")  # a name starting with "c": more than one page of results
        await pilot.press("enter")
        await settle(pilot)
        shown = table_rows(app.screen.query_one("#results-table"))
        await pilot.press("ctrl+p")
        await type_text(pilot, "Export res")
        await settle_until(
            pilot,
            lambda a: "Export results" in " ".join(_palette_titles(a)),
            "the Export results command",
        )
        await pilot.press("enter")
        folder = tmp_path / "exports" / "admin"
        await settle_until(
            pilot,
            lambda a: (
                any(folder.glob("results-*.csv"))
                and any("Exported" in str(n.message) for n in a._notifications)
            ),
            "the export",
        )
        note = next(str(n.message) for n in app._notifications if "Exported" in str(n.message))
    (path,) = folder.glob("results-*.csv")
    assert path.stat().st_mode & 0o777 == 0o600  # customer data: the agent's alone
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == ["Customer", "Name", "Phone", "Email", "Matched"]
    assert len(rows) - 1 > len(shown) > 1  # every match, not the page on screen
    assert note == f"Exported {len(rows) - 1:,} customers to {path}."
    assert [r[1] for r in rows[1 : len(shown) + 1]] == [r[0] for r in shown]  # same order
    with demo_engine.connect() as conn:
        detail = conn.execute(
            text("SELECT detail FROM audit_entry WHERE action = 'Export results'")
        ).scalar_one()
    assert detail == f"{len(rows) - 1} rows to {path}"


async def test_export_results_is_only_for_roles_with_the_flag_and_off_over_ssh(
    make_app, tmp_path
) -> None:
    settings = load_settings(TEST_CONFIG, ui={"export_folder": str(tmp_path / "exports")})
    app = make_app("maria", settings=settings)  # the agent role may not export
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f2")
        await type_text(pilot, "c")
        await pilot.press("enter")
        await settle(pilot)
        assert "Export results" not in [c.title for c in app.get_system_commands(app.screen)]
    assert not (tmp_path / "exports").exists()


def test_consoles_served_over_ssh_export_only_where_the_admin_said(monkeypatch, tmp_path) -> None:
    from types import SimpleNamespace

    from commcentre_tui.repo.permissions import Actor
    from commcentre_tui.roles import default_roles
    from commcentre_tui.services.exporting import export_allowed
    from commcentre_tui.ssh.server import ConsoleServer

    class Channel:  # a client asking for a folder of its own choosing
        def get_environment(self) -> dict[str, str]:
            return {"COMMCENTRE_UI__EXPORT_FOLDER": "/home/mallory", "LANG": "C.UTF-8"}

    admin = Actor(agent_id=1, username="admin", role_name="admin", role=default_roles()["admin"])
    for given, expected in (("", ""), (str(tmp_path / "srv"), str(tmp_path / "srv"))):
        server = SimpleNamespace(options=ServeOptions(export_folder=given))
        env = ConsoleServer.console_env(server, Channel(), "xterm", "10.0.0.1 5000 22")
        assert env["COMMCENTRE_UI__EXPORT_FOLDER"] == expected
        monkeypatch.setenv("COMMCENTRE_UI__EXPORT_FOLDER", env["COMMCENTRE_UI__EXPORT_FOLDER"])
        assert export_allowed(admin, load_settings(TEST_CONFIG)) == bool(expected)
