"""Fixtures for the search tests: the awkward population, and a switch for the planner's strategy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from sqlalchemy import Engine

from commcentre_tui.repo.search import count as search_count
from commcentre_tui.repo.search import plan as search_plan
from tests.search.population import Person, build

#: "auto" lets the planner choose on a tiny table; the others force one plan each.
STRATEGIES = ("auto", "plain", "walk", "candidates", "split")


@pytest.fixture
def people(engine: Engine) -> list[Person]:
    """The population, stored once in this test's database."""
    return build(engine)


@contextmanager
def planned(monkeypatch: pytest.MonkeyPatch, strategy: str) -> Iterator[str]:
    """Search with one plan. "auto" treats the tiny table as a big one with a tiny walk budget,
    so the choice, the bounded walk and its fallback all run."""
    with monkeypatch.context() as patch:
        if strategy == "auto":
            patch.setattr(search_plan, "SMALL_TABLE", 0)
            patch.setattr(search_plan, "WALK_BUDGET", 0.5)
            patch.setattr(search_plan, "CANDIDATES_FINE", {"sqlite": 0.0, "postgresql": 0.0})
            patch.setattr(search_count, "PAGE_WORK", 7)
        else:
            patch.setattr(search_plan, "FORCE_STRATEGY", strategy)
        yield strategy


@pytest.fixture
def each_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[], Iterator[AbstractContextManager[str]]]:
    """``for plan in each_plan(): with plan: ...`` runs a block under every strategy."""

    def plans() -> Iterator[AbstractContextManager[str]]:
        for strategy in STRATEGIES:
            yield planned(monkeypatch, strategy)

    return plans
