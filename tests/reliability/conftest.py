"""The reliability suite: every test here is marked ``reliability`` and runs in CI.

The long scenarios read their size from environment variables (shortened in CI, run full by
``commcentre bench --reliability``); the root fixtures (``engine``, ``settings`` …) apply here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.reliability)
