"""make_call_source: one interface whatever the provider, and CTI off when it cannot work."""

from __future__ import annotations

import pytest

from commcentre_tui.config import load_settings
from commcentre_tui.cti import CtiError, make_call_source
from commcentre_tui.cti.bridge_client import BridgeCallSource
from commcentre_tui.cti.listener_source import ListenerCallSource
from commcentre_tui.cti.source import AmiCallSource, OffCallSource, dial_number


async def test_cti_disabled_is_off_and_events_end_on_close() -> None:
    source = make_call_source(load_settings(None), "1001")
    assert isinstance(source, OffCallSource) and source.state == "off"
    assert "enabled = false" in source.detail
    with pytest.raises(CtiError, match="Click-to-dial is not available"):
        await source.originate("99123456")
    await source.close()
    assert [event async for event in source.events()] == []


def test_the_configuration_picks_the_provider(cti_settings) -> None:
    assert isinstance(make_call_source(cti_settings()), AmiCallSource)
    assert isinstance(make_call_source(cti_settings(provider="listener")), ListenerCallSource)
    bridged = make_call_source(cti_settings(provider="listener", bridge_url="tcp://10.1.2.3:9000"))
    assert isinstance(bridged, BridgeCallSource) and (bridged.host, bridged.port) == (
        "10.1.2.3",
        9000,
    )
    assert (
        make_call_source(cti_settings(), "PJSIP/1007").extension == "1007"
    )  # the agent's own wins
    nobody = make_call_source(cti_settings(agent_extension=""))
    assert isinstance(nobody, OffCallSource) and "no extension" in nobody.detail


async def test_no_ami_secret_is_a_failed_state_without_connecting(cti_settings) -> None:
    source = make_call_source(cti_settings(secret=""))
    await source.start()
    assert source.state == "failed: no AMI secret (set COMMCENTRE_CTI__SECRET)"
    await source.close()
    assert source.state == "off"


def test_dial_number() -> None:
    assert dial_number(" +357 (99) 123-456 ") == "+35799123456"
    assert dial_number("0035799123456") == "0035799123456"
    for bad in ("", "+", "abc", "99;1", "1" * 40):
        with pytest.raises(CtiError, match="not a number"):
            dial_number(bad)
