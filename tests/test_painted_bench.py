"""The ``console.painted`` bench case drives a real console on a pty: each round's search and
tab switch are seen on the emulated screen and timed (short run on the demo data)."""

from __future__ import annotations

from pathlib import Path

from commcentre_tui.bench.painted import measure_painted
from commcentre_tui.repo.db import make_engine
from tests.console_support import private_copy


def test_each_round_times_a_painted_search_and_tab_switch(
    demo_template: Path, tmp_path: Path, monkeypatch
) -> None:
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "home"))  # the console's preferences go here
    path = private_copy(demo_template, tmp_path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        found = measure_painted(engine, url, rounds=2, agent="maria")
    finally:
        engine.dispose()
    assert [len(found["search"]), len(found["tab"])] == [2, 2]
    assert all(0 < s < 60 for s in found["search"] + found["tab"])
