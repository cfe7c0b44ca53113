"""Fixtures for the CTI tests: a fake Asterisk on loopback and settings pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from cti_fakes import TOKEN, FakeAsterisk

from commcentre_tui.config import Settings, load_settings


@pytest.fixture
async def fake_pbx() -> AsyncIterator[FakeAsterisk]:
    """A fake Asterisk accepting commcentre / s3cret."""
    pbx = await FakeAsterisk().start()
    yield pbx
    await pbx.close()


@pytest.fixture
def cti_settings() -> Callable[..., Settings]:
    """``cti_settings(**cti)``: the test config with CTI enabled and ``cti`` overrides."""

    def build(**cti: Any) -> Settings:
        values = {
            "enabled": True,
            "provider": "asterisk",
            "host": "127.0.0.1",
            "username": "commcentre",
            "secret": "s3cret",
            "agent_extension": "1001",
            "listener_token": TOKEN,
            **cti,
        }
        return load_settings(None, cti=values)

    return build
