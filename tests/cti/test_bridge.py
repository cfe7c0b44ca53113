"""The CTI bridge: one PBX connection fanned out to the team's consoles by extension."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from cti_fakes import AUTH, FAST, EventReader, StateLog

from commcentre_tui.cti.bridge import CtiBridge
from commcentre_tui.cti.bridge_client import BridgeCallSource
from commcentre_tui.cti.bridge_protocol import parse_bridge_url
from commcentre_tui.cti.events import CtiError
from commcentre_tui.cti.source import make_call_source


async def start_bridge(settings, port: int = 0) -> CtiBridge:
    bridge = CtiBridge(settings, host="127.0.0.1", port=port, **FAST)
    await bridge.start()
    return bridge


async def console(
    cti_settings, bridge: CtiBridge, extension: str
) -> tuple[BridgeCallSource, EventReader, StateLog]:
    source = make_call_source(
        cti_settings(bridge_url=f"tcp://127.0.0.1:{bridge.port}"), extension, **FAST
    )
    assert isinstance(source, BridgeCallSource)
    log = StateLog(source)
    reader = EventReader(source.events())
    await source.start()
    await log.wait("connected")
    return source, reader, log


async def test_two_consoles_get_only_their_calls_over_one_pbx_login(fake_pbx, cti_settings) -> None:
    bridge = await start_bridge(cti_settings(port=fake_pbx.port))
    alice, alice_events, _ = await console(cti_settings, bridge, "1001")
    bob, bob_events, _ = await console(cti_settings, bridge, "PJSIP/1002")
    await fake_pbx.ring("1002", "+35799000002", 10)
    await fake_pbx.ring("1001", "+35799000001", 20)
    ringing = [await alice_events.next(), await bob_events.next()]  # (read before the hang-up:
    await fake_pbx.hangup("1002", 10)  # unread states coalesce)
    await fake_pbx.hangup("1001", 20)
    hangups = [await alice_events.next(), await bob_events.next()]
    assert [(e.event, e.extension, e.caller) for e in ringing + hangups] == [
        ("ringing", "1001", "+35799000001"),
        ("ringing", "1002", "+35799000002"),
        ("hangup", "1001", "+35799000001"),
        ("hangup", "1002", "+35799000002"),
    ]
    assert fake_pbx.login_attempts == 1 and fake_pbx.logins == 1
    assert bridge.console_count == 2
    await alice.close()
    await bob.close()
    await bridge.close()


async def test_click_to_dial_through_the_bridge(fake_pbx, cti_settings) -> None:
    bridge = await start_bridge(cti_settings(port=fake_pbx.port))
    await StateLog(bridge).wait("connected")
    bob, _, _ = await console(cti_settings, bridge, "1002")
    await bob.originate("+357 99 123456")
    (action,) = fake_pbx.actions_named("Originate")
    assert (action["Channel"], action["Exten"]) == ("PJSIP/1002", "+35799123456")
    with pytest.raises(CtiError, match="not a number"):
        await bob.originate("call me maybe")
    await bob.close()
    await bridge.close()


async def test_consoles_see_the_bridge_pbx_state_and_reconnect_to_a_restarted_bridge(
    fake_pbx, cti_settings
) -> None:
    bridge = await start_bridge(cti_settings(port=fake_pbx.port))
    alice, events, log = await console(cti_settings, bridge, "1001")
    mark = log.mark()
    await fake_pbx.drop()  # the PBX goes away: the bridge reconnects, the console hears about it
    await log.wait_sequence("reconnecting", "connected", since=mark)
    port = bridge.port
    await bridge.close()  # the bridge itself goes away
    await log.wait("reconnecting")
    bridge = await start_bridge(cti_settings(port=fake_pbx.port), port=port)
    await log.wait("connected")
    await fake_pbx.ring("1001", "+35799000001", 30)
    assert (await events.next()).caller == "+35799000001"
    assert alice.sessions == 2
    await alice.close()
    await bridge.close()


async def test_login_failure_reaches_the_consoles(fake_pbx, cti_settings) -> None:
    bridge = await start_bridge(cti_settings(port=fake_pbx.port, secret="nope"))
    await StateLog(bridge).wait(lambda s: s.startswith("login failed"))
    alice, _, log = await console_any_state(cti_settings, bridge, "1001")
    assert (
        await log.wait(lambda s: s.startswith("login failed"))
        == "login failed: Authentication failed"
    )
    await alice.close()
    await bridge.close()


async def console_any_state(cti_settings, bridge: CtiBridge, extension: str):
    source = make_call_source(
        cti_settings(bridge_url=f"tcp://127.0.0.1:{bridge.port}"), extension, **FAST
    )
    log = StateLog(source)
    await source.start()
    return source, None, log


async def test_bridge_with_the_listener_provider_routes_posts_by_extension(cti_settings) -> None:
    settings = cti_settings(provider="listener")
    bridge = CtiBridge(settings, host="127.0.0.1", port=0, **FAST)
    assert bridge.listener is not None
    bridge.listener.port = 0
    await bridge.start()
    alice, events, _ = await console(cti_settings, bridge, "1001")
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{bridge.listener.port}", timeout=5, headers=AUTH
    ) as http:
        nobody = await http.post(
            "/events", json={"event": "ringing", "extension": "1002", "caller": "1"}
        )
        ok = await http.post(
            "/events", json={"event": "ringing", "extension": "1001", "caller": "+35799000001"}
        )
    assert nobody.status_code == 404
    assert ok.status_code == 202 and ok.json()["consoles"] == 1
    assert (await events.next()).caller == "+35799000001"
    with pytest.raises(CtiError, match="Asterisk provider"):
        await alice.originate("99123456")
    await alice.close()
    await bridge.close()


async def test_the_bridge_refuses_a_console_that_does_not_subscribe(fake_pbx, cti_settings) -> None:
    bridge = await start_bridge(cti_settings(port=fake_pbx.port))
    reader, writer = await asyncio.open_connection("127.0.0.1", bridge.port)
    writer.write(b'{"op": "hello"}\n')
    reply = json.loads(await asyncio.wait_for(reader.readline(), 5))
    assert reply["type"] == "error" and "subscribe" in reply["error"]
    assert await asyncio.wait_for(reader.read(), 5) == b""  # then closed
    writer.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", bridge.port)
    writer.write(
        b'{"op": "subscribe", "extension": "1001"}\n{"op": "ping"}\nnot json\n{"op": "dance"}\n'
    )
    lines = [json.loads(await asyncio.wait_for(reader.readline(), 5)) for _ in range(5)]
    assert [m["type"] for m in lines] == ["hello", "state", "pong", "error", "error"]
    writer.close()
    await bridge.close()


def test_bridge_urls() -> None:
    assert parse_bridge_url("tcp://10.0.0.5:9000") == ("10.0.0.5", 9000)
    assert parse_bridge_url("bridge.local") == ("bridge.local", 8766)
    assert parse_bridge_url("tcp://[::1]:9000") == ("::1", 9000)
    with pytest.raises(CtiError, match="tcp://host:port"):
        parse_bridge_url("http://x:1")


async def test_queue_events_reach_every_console_through_the_bridge(fake_pbx, cti_settings) -> None:
    bridge = await start_bridge(cti_settings(port=fake_pbx.port))
    await StateLog(bridge).wait("connected")
    alice, _, _ = await console(cti_settings, bridge, "1001")
    bob, _, _ = await console(cti_settings, bridge, "1002")
    heard: dict[str, list] = {"alice": [], "bob": []}
    arrived = asyncio.Event()

    def listen(name: str):
        def on_queue(update) -> None:
            heard[name].append((update.kind, update.queue, update.uniqueid, update.longest))
            if all(len(v) == 3 for v in heard.values()):
                arrived.set()

        return on_queue

    alice.on_queue, bob.on_queue = listen("alice"), listen("bob")
    await fake_pbx.event("QueueCallerJoin", Queue="support", Uniqueid="q-1", CallerIDNum="990001")
    await fake_pbx.event("QueueCallerAbandon", Queue="support", Uniqueid="q-1", HoldTime="31")
    await fake_pbx.event("QueueSummary", Queue="support", Callers="0", LongestHoldTime="0")
    await asyncio.wait_for(arrived.wait(), 20)
    expected = [
        ("join", "support", "q-1", 0.0),
        ("abandon", "support", "q-1", 31.0),
        ("summary", "support", "", 0.0),
    ]
    assert heard == {"alice": expected, "bob": expected}
    await alice.close()
    await bob.close()
    await bridge.close()
