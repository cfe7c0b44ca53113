"""The ``mywork.first_page`` bench case runs (with a small item count) and leaves nothing behind,
on both backends; its timings are not asserted (speed is measured by ``commcentre bench``)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui.bench import my_work as bench
from commcentre_tui.bench.registry import BenchContext, Samples
from commcentre_tui.config import Settings
from commcentre_tui.models import Agent, Communication, Task
from commcentre_tui.repo.db import reading
from tests.console import data


def counts(engine: Engine) -> tuple[int, int, int]:
    with reading(engine) as s:
        return tuple(
            s.execute(select(func.count()).select_from(m)).scalar_one()  # type: ignore[return-value]
            for m in (Agent, Communication, Task)
        )


def test_the_bench_case_measures_a_full_first_page_and_cleans_up(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    data.build(engine)
    before = counts(engine)
    monkeypatch.setattr(bench, "ITEMS", 120)
    ctx = BenchContext(
        engine=engine, settings=settings, backend=engine.dialect.name, contacts=2, url="", repeat=3
    )
    result = bench.first_page(ctx)
    assert isinstance(result, Samples) and len(result.values_ms) == 3
    assert result.extra["items"] == 120 and result.extra["overdue"] > 0
    assert counts(engine) == before
