"""AMI event → CallEvent mapping for one extension (no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commcentre_tui.cti.ami import AmiMessage
from commcentre_tui.cti.events import CallEvent, CallTracker, channel_endpoint, split_extension


def feed(tracker: CallTracker, *blocks: dict[str, str]) -> list[tuple[str, str, str, str]]:
    out = []
    for fields in blocks:
        out += [
            (e.event, e.caller, e.call_id, e.direction) for e in tracker.feed(AmiMessage(fields))
        ]
    return out


def test_channel_names() -> None:
    assert channel_endpoint("PJSIP/1001-0000002a") == ("PJSIP", "1001")
    assert channel_endpoint("SIP/1001-00000012") == ("SIP", "1001")
    assert channel_endpoint("PJSIP/trunk-provider-00000001") == ("PJSIP", "trunk-provider")
    assert channel_endpoint("Local/1001@from-queue-00000001;2") is None
    assert channel_endpoint("garbage") is None
    assert split_extension("PJSIP/1001") == ("PJSIP", "1001")
    assert split_extension(" 1001 ") == (None, "1001")


def test_newstate_ringing_then_up_then_hangup() -> None:
    t = CallTracker("1001")
    ch = {"Channel": "PJSIP/1001-00000002", "Uniqueid": "2.0", "Linkedid": "1.0"}
    assert feed(t, {"Event": "Newchannel", "ChannelStateDesc": "Down", **ch}) == []
    assert feed(
        t,
        {
            "Event": "Newstate",
            "ChannelStateDesc": "Ringing",
            "CallerIDNum": "1001",
            "ConnectedLineNum": "+35799123456",
            **ch,
        },
    ) == [("ringing", "+35799123456", "1.0", "incoming")]
    assert feed(t, {"Event": "Newstate", "ChannelStateDesc": "Up", **ch}) == [
        ("answered", "+35799123456", "1.0", "incoming")
    ]
    assert feed(t, {"Event": "BridgeEnter", **ch}) == []  # already answered
    assert feed(t, {"Event": "Hangup", **ch}) == [("hangup", "+35799123456", "1.0", "incoming")]
    assert t.active_calls == 0


def test_dialbegin_and_ringing_give_one_ringing_and_a_missed_call_still_hangs_up() -> None:
    t = CallTracker("1001")
    dial = {
        "Event": "DialBegin",
        "Channel": "PJSIP/trunk-1",
        "CallerIDNum": "22123456",
        "Linkedid": "L",
        "DestChannel": "PJSIP/1001-2",
        "DestUniqueid": "U2",
        "DestLinkedid": "L",
        "DestCallerIDNum": "1001",
    }
    ring = {
        "Event": "Newstate",
        "Channel": "PJSIP/1001-2",
        "ChannelStateDesc": "Ringing",
        "Uniqueid": "U2",
        "Linkedid": "L",
    }
    assert feed(t, dial, ring) == [("ringing", "22123456", "L", "incoming")]
    assert feed(t, {"Event": "Hangup", "Channel": "PJSIP/1001-2"}) == [
        ("hangup", "22123456", "L", "incoming")
    ]


def test_forked_ringing_on_two_phones_is_one_call() -> None:
    t = CallTracker("1001")
    a = {
        "Event": "Newstate",
        "ChannelStateDesc": "Ringing",
        "ConnectedLineNum": "555",
        "Linkedid": "L",
    }
    events = feed(
        t,
        {**a, "Channel": "PJSIP/1001-a", "Uniqueid": "A"},
        {**a, "Channel": "PJSIP/1001-b", "Uniqueid": "B"},
    )
    assert events == [("ringing", "555", "L", "incoming")]
    assert feed(t, {"Event": "Newstate", "ChannelStateDesc": "Up", "Channel": "PJSIP/1001-a"}) == [
        ("answered", "555", "L", "incoming")
    ]
    assert feed(t, {"Event": "Hangup", "Channel": "PJSIP/1001-b"}) == []  # answered elsewhere
    assert feed(t, {"Event": "Hangup", "Channel": "PJSIP/1001-a"}) == [
        ("hangup", "555", "L", "incoming")
    ]


def test_other_extensions_local_channels_and_unrelated_events_give_nothing() -> None:
    t = CallTracker("1001")
    assert (
        feed(
            t,
            {"Event": "Newstate", "Channel": "PJSIP/1002-1", "ChannelStateDesc": "Ringing"},
            {"Event": "Newstate", "Channel": "PJSIP/10010-1", "ChannelStateDesc": "Ringing"},
            {
                "Event": "Newstate",
                "Channel": "Local/1001@from-queue-1;1",
                "ChannelStateDesc": "Ringing",
            },
            {"Event": "PeerStatus", "Peer": "PJSIP/1001", "PeerStatus": "Reachable"},
            {"Event": "Hangup", "Channel": "PJSIP/1001-unknown"},
            {"Response": "Success"},
        )
        == []
    )


def test_asterisk_11_dial_and_bridge_events() -> None:
    t = CallTracker("SIP/1001")
    dial = {
        "Event": "Dial",
        "SubEvent": "Begin",
        "Channel": "SIP/trunk-1",
        "Destination": "SIP/1001-2",
        "CallerIDNum": "99123456",
        "UniqueID": "U1",
        "DestUniqueID": "U2",
    }
    bridge = {
        "Event": "Bridge",
        "Bridgestate": "Link",
        "Channel1": "SIP/trunk-1",
        "Channel2": "SIP/1001-2",
    }
    assert feed(t, dial, bridge) == [
        ("ringing", "99123456", "U2", "incoming"),
        ("answered", "99123456", "U2", "incoming"),
    ]
    assert t.technology == "SIP"


def test_the_agent_dialling_from_the_desk_phone_is_outgoing() -> None:
    t = CallTracker("1001")
    ch = {"Channel": "PJSIP/1001-5", "Uniqueid": "U5", "Linkedid": "U5"}
    assert feed(t, {"Event": "Newchannel", "ChannelStateDesc": "Ring", "Exten": "s", **ch}) == []
    assert feed(t, {"Event": "Newstate", "ChannelStateDesc": "Up", **ch}) == []  # not answered yet
    dial = {
        "Event": "DialBegin",
        "Exten": "0035799123456",
        "DestChannel": "PJSIP/trunk-6",
        "DialString": "trunk/0035799123456",
        **ch,
    }
    assert feed(t, dial) == [("ringing", "0035799123456", "U5", "outgoing")]
    assert feed(t, {"Event": "BridgeEnter", **ch}) == [
        ("answered", "0035799123456", "U5", "outgoing")
    ]


def test_event_time_comes_from_the_pbx_timestamp_when_given() -> None:
    t = CallTracker("1001")
    (event,) = t.feed(
        AmiMessage(
            {
                "Event": "Newstate",
                "Channel": "PJSIP/1001-1",
                "ChannelStateDesc": "Ringing",
                "CallerIDNum": "<unknown>",
                "Timestamp": "1700000000.5",
            }
        )
    )
    assert event.at == datetime.fromtimestamp(1700000000.5, UTC)
    assert event.caller == ""  # withheld


def test_call_event_round_trips_through_json_form() -> None:
    event = CallEvent("ringing", "1001", "+35799123456", "c1", case_number="CS1", email=None)
    assert CallEvent.from_dict(event.to_dict()) == event
    with pytest.raises(ValueError, match="event must be one of"):
        CallEvent.from_dict({**event.to_dict(), "event": "ring"})
    with pytest.raises(ValueError, match="UTC offset"):
        CallEvent.from_dict({**event.to_dict(), "at": "2024-05-01T09:30:00"})
