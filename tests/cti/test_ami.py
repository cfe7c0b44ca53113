"""The Asterisk provider against a fake PBX speaking the AMI wire protocol on loopback."""

from __future__ import annotations

import asyncio
import logging

import pytest
from cti_fakes import FAST, EventReader, FakeAsterisk, StateLog, block

from commcentre_tui.cti.ami import AmiMessage, format_action, parse_block
from commcentre_tui.cti.events import CtiError
from commcentre_tui.cti.source import AmiCallSource, make_call_source


async def connected_source(
    fake_pbx: FakeAsterisk, cti_settings, **cti
) -> tuple[AmiCallSource, StateLog, EventReader]:
    source = make_call_source(cti_settings(port=fake_pbx.port, **cti), **FAST)
    assert isinstance(source, AmiCallSource)
    log = StateLog(source)
    reader = EventReader(source.events())
    await source.start()
    await log.wait("connected")
    return source, log, reader


async def test_login_refused_reads_login_failed_and_the_console_carries_on(
    fake_pbx, cti_settings
) -> None:
    source = make_call_source(cti_settings(port=fake_pbx.port, secret="wrong"), **FAST)
    log = StateLog(source)
    await source.start()
    state = await log.wait(lambda s: s.startswith("login failed"))
    assert state == "login failed: Authentication failed"
    assert source.detail == (
        "The PBX refused the manager login (Authentication failed); check [cti] "
        "username and COMMCENTRE_CTI__SECRET."
    )
    assert log.states[:2] == ["off", "connecting"]
    await asyncio.wait_for(source.client._task, 5)  # the connection loop has ended: no retry storm
    assert fake_pbx.login_attempts == 1 and fake_pbx.logins == 0
    with pytest.raises(CtiError, match="not connected"):
        await source.originate("+35799123456")
    await source.close()
    assert source.state == "off"


async def test_login_sends_username_secret_and_an_action_id(fake_pbx, cti_settings) -> None:
    source, _log, _ = await connected_source(fake_pbx, cti_settings)
    login = fake_pbx.actions_named("Login")[0]
    assert login["Username"] == "commcentre" and login["Secret"] == "s3cret"
    assert login["ActionID"] and login["Events"] == "call,agent"  # (agent: the queue events)
    await source.close()
    await fake_pbx.wait_until(lambda: bool(fake_pbx.actions_named("Logoff")))


async def test_ringing_answered_hangup_for_this_extension(fake_pbx, cti_settings) -> None:
    source, _log, reader = await connected_source(fake_pbx, cti_settings)
    await fake_pbx.ring("1001", "0035799123456", 10)
    ringing = await reader.next()
    assert (ringing.event, ringing.extension, ringing.caller, ringing.direction) == (
        "ringing",
        "1001",
        "0035799123456",
        "incoming",
    )
    assert ringing.call_id == "1700000000.10" and ringing.at.tzinfo is not None
    await fake_pbx.answer("1001", 10)
    await fake_pbx.hangup("1001", 10)
    answered, hangup = await reader.take(2)
    assert [answered.event, hangup.event] == ["answered", "hangup"]
    assert {answered.call_id, hangup.call_id} == {ringing.call_id}
    assert [e.event for e in source.history] == ["ringing", "answered", "hangup"]
    await source.close()


async def test_events_for_another_extension_are_ignored(fake_pbx, cti_settings) -> None:
    source, _log, reader = await connected_source(fake_pbx, cti_settings)
    await fake_pbx.ring("1002", "0035799000002", 10)
    await fake_pbx.ring("10011", "0035799000003", 20)  # a longer extension with the same prefix
    await fake_pbx.hangup("1002", 10)
    await fake_pbx.ring("1001", "0035799000001", 30, tech="SIP")
    event = await reader.next()
    assert (event.event, event.caller, event.extension) == ("ringing", "0035799000001", "1001")
    await source.close()


async def test_pbx_closing_the_socket_reconnects_and_events_flow_again(
    fake_pbx, cti_settings
) -> None:
    source, log, reader = await connected_source(fake_pbx, cti_settings)
    mark = log.mark()
    await fake_pbx.drop()
    await log.wait_sequence("reconnecting", "connected", since=mark)
    assert fake_pbx.logins == 2
    await fake_pbx.ring("1001", "+35799123456", 40)
    assert (await reader.next()).caller == "+35799123456"
    await source.close()


async def test_pbx_not_there_yet_keeps_reconnecting_until_it_is(cti_settings) -> None:
    pbx = FakeAsterisk()
    await pbx.start()
    port = pbx.port
    await pbx.close()  # nobody listens on the port now
    source = make_call_source(cti_settings(port=port), **FAST)
    log = StateLog(source)
    await source.start()
    await log.wait("reconnecting")
    pbx.port = port
    await pbx.start()
    await log.wait("connected")
    await source.close()
    await pbx.close()


async def test_malformed_blocks_are_ignored_and_logged(fake_pbx, cti_settings, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="commcentre_tui.cti.ami")
    source, _log, reader = await connected_source(fake_pbx, cti_settings)
    await fake_pbx.send(b"this is not a header line\r\nEvent: Newstate\r\n\r\n")
    await fake_pbx.send(b"Channel: PJSIP/1001-00000001\r\nChannelStateDesc: Ringing\r\n\r\n")
    await fake_pbx.send(b"Event: Newstate\r\nX" + b"y" * 70000 + b": 1\r\n\r\n")
    await fake_pbx.send(b"\xff\xfe: \x00\r\n\r\n")
    await fake_pbx.send(b"\r\n\r\n\n")  # stray blank lines are not blocks
    await fake_pbx.ring("1001", "+35799123456", 50)
    event = await reader.next()
    assert event.caller == "+35799123456"
    assert source.client.malformed == 4
    assert source.state == "connected"
    assert sum("malformed AMI block" in r.getMessage() for r in caplog.records) == 4
    await source.close()


async def test_a_failing_event_handler_does_not_stop_the_stream(
    fake_pbx, cti_settings, caplog
) -> None:
    source, _log, reader = await connected_source(fake_pbx, cti_settings)
    calls: list[str] = []
    original = source.client.on_event

    def flaky(message: AmiMessage) -> None:
        calls.append(message.name)
        if len(calls) == 1:
            raise RuntimeError("boom")
        original(message)

    source.client.on_event = flaky
    await fake_pbx.event("Newchannel", Channel="PJSIP/9-1", ChannelStateDesc="Down")
    await fake_pbx.ring("1001", "+35799123456", 60)
    assert (await reader.next()).event == "ringing"
    assert "The AMI event handler failed" in caplog.text
    await source.close()


async def test_originate_sends_the_right_action_and_the_call_is_outgoing(
    fake_pbx, cti_settings
) -> None:
    source, _log, reader = await connected_source(fake_pbx, cti_settings, dial_context="agents-out")
    await source.originate("+357 99-123 456")
    action = fake_pbx.actions_named("Originate")[0]
    assert action["Channel"] == "PJSIP/1001"
    assert action["Exten"] == "+35799123456"
    assert action["Context"] == "agents-out" and action["Priority"] == "1"
    assert action["Async"] == "true" and action["ActionID"]
    assert action["CallerID"] == '"+35799123456" <+35799123456>'
    channel_id = action["ChannelId"]
    # The PBX rings the agent's phone (the channel gets our ChannelId), then dials the customer.
    agent = "PJSIP/1001-0000000a"
    await fake_pbx.event(
        "Newchannel",
        Channel=agent,
        ChannelStateDesc="Down",
        Uniqueid=channel_id,
        Linkedid=channel_id,
    )
    await fake_pbx.event(
        "Newstate",
        Channel=agent,
        ChannelStateDesc="Ringing",
        Uniqueid=channel_id,
        Linkedid=channel_id,
        ConnectedLineNum="+35799123456",
    )
    ringing = await reader.next()  # (read before the next state: unread states coalesce)
    await fake_pbx.event(
        "Newstate", Channel=agent, ChannelStateDesc="Up", Uniqueid=channel_id, Linkedid=channel_id
    )
    await fake_pbx.event("BridgeEnter", Channel=agent, Uniqueid=channel_id, Linkedid=channel_id)
    await fake_pbx.event("Hangup", Channel=agent, Uniqueid=channel_id, Linkedid=channel_id)
    answered, hangup = await reader.take(2)
    assert (ringing.event, ringing.direction, ringing.caller) == (
        "ringing",
        "outgoing",
        "+35799123456",
    )
    assert answered.event == "answered" and hangup.event == "hangup"
    assert ringing.call_id == answered.call_id == hangup.call_id == channel_id
    await source.close()


async def test_originate_uses_the_technology_seen_on_the_extension(fake_pbx, cti_settings) -> None:
    source, _log, reader = await connected_source(fake_pbx, cti_settings)
    await fake_pbx.ring("1001", "+35799123456", 70, tech="SIP")
    await reader.next()
    await source.originate("99123456")
    assert fake_pbx.actions_named("Originate")[0]["Channel"] == "SIP/1001"
    with pytest.raises(CtiError, match="not a number"):
        await source.originate("99\r\nAction: Command")
    assert len(fake_pbx.actions_named("Originate")) == 1
    await source.close()


async def test_a_pending_action_fails_with_a_sentence_when_the_pbx_goes_away(
    fake_pbx, cti_settings
) -> None:
    source, log, _ = await connected_source(fake_pbx, cti_settings)
    mark = log.mark()
    response = await source.client.send_action("Status")
    assert response["Response"] == "Error" and response["Message"] == "Invalid/unknown command"
    fake_pbx.silent.add("status")
    task = asyncio.create_task(source.client.send_action("Status"))
    await fake_pbx.wait_until(lambda: len(fake_pbx.actions_named("Status")) == 2)
    await fake_pbx.drop()
    with pytest.raises(CtiError, match="connection was lost during Status"):
        await asyncio.wait_for(task, 5)
    await log.wait_sequence("reconnecting", "connected", since=mark)
    await source.close()


def test_parse_block_and_format_action() -> None:
    message = parse_block(["Event: Newstate", "channel: PJSIP/1001-1", "Empty:", "Key: a: b"])
    assert (
        message["Channel"] == "PJSIP/1001-1" and message["EMPTY"] == "" and message["key"] == "a: b"
    )
    assert message.name == "Newstate"
    with pytest.raises(ValueError, match="neither Event nor Response"):
        parse_block(["Channel: x"])
    assert format_action("Ping", "id-1", {}) == b"Action: Ping\r\nActionID: id-1\r\n\r\n"
    with pytest.raises(ValueError, match="line break"):
        format_action("Originate", "id-2", {"Exten": "1\r\nAction: Command"})
    assert "s3cret" not in repr(AmiMessage({"Action": "Login", "Secret": "s3cret"}))
    assert block(Event="X") == b"Event: X\r\n\r\n"
