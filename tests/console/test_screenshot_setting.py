"""A console served over SSH (``[ui] screenshots = false``) never writes a screenshot on the
server: the palette does not offer it and the action says why; a local console still has it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.conftest import settle


async def test_screenshots_off_means_no_file_and_a_sentence(
    make_app, console_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    settings = console_settings.model_copy(
        update={"ui": console_settings.ui.model_copy(update={"screenshots": False})}
    )
    app = make_app(settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Quick Search" in titles
        app.action_screenshot()  # the action itself (say, bound to a key) refuses
        await pilot.pause()
        assert any("Screenshots are off" in str(n.message) for n in app._notifications)
    assert not list(tmp_path.rglob("*.svg"))


async def test_a_local_console_offers_screenshots(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)):
        assert "Screenshot" in [c.title for c in app.get_system_commands(app.screen)]
