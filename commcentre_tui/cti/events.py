"""The neutral call event every provider produces, and the AMI → :class:`CallEvent` mapping.

:class:`CallTracker` follows one agent extension through the AMI event stream (Asterisk 12+
``Newchannel``/``Newstate``/``DialBegin``/``BridgeEnter``/``Hangup``; Asterisk 1.8/11 ``Dial``
and ``Bridge`` too) and emits ``ringing`` once per call, ``answered`` once, and ``hangup`` when
the last of the agent's channels in the call is gone. A call's id is the ``Linkedid`` of the
agent's first channel (``Uniqueid`` on PBXes without it), so forked ringing (one extension
registered on two phones) is still one call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from commcentre_tui.errors import CommCentreError
from commcentre_tui.text import inert

EventKind = Literal["ringing", "answered", "hangup"]
Direction = Literal["incoming", "outgoing"]
EVENT_KINDS: tuple[str, ...] = ("ringing", "answered", "hangup")
DIRECTIONS: tuple[str, ...] = ("incoming", "outgoing")

#: Caller-id values that mean "no number".
_NO_NUMBER = {"", "<unknown>", "unknown", "s"}
#: Calls remembered per extension before the oldest is forgotten (lost hang-ups cannot pile up).
MAX_TRACKED_CALLS = 256


class CtiError(CommCentreError):
    """A telephony problem described in one sentence (not connected, PBX refused, …)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CallEvent:
    """Something that happened to a call on an agent's extension.

    ``caller`` is the other party's number as the PBX gave it (not normalised; may be empty for
    a withheld number). ``direction`` is ``outgoing`` for click-to-dial and calls the agent
    dials. ``at`` is aware UTC.
    """

    event: EventKind
    extension: str
    caller: str
    call_id: str
    case_number: str | None = None
    email: str | None = None
    at: datetime = field(default_factory=_utcnow)
    direction: Direction = "incoming"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``at`` as ISO 8601), as the bridge sends it."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CallEvent:
        """The event in ``data`` (the :meth:`to_dict` form); ``ValueError`` with a sentence.

        Texts are :func:`~commcentre_tui.text.inert` (a bridge is outside this process).
        """
        kind = data.get("event")
        if kind not in EVENT_KINDS:
            raise ValueError(f"event must be one of {', '.join(EVENT_KINDS)}, not {kind!r}.")
        direction = data.get("direction", "incoming")
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be incoming or outgoing, not {direction!r}.")
        at = parse_time(data.get("at"))
        texts = {}
        for name in ("extension", "caller", "call_id"):
            value = data.get(name)
            if not isinstance(value, str):
                raise ValueError(f"{name} must be a string.")
            texts[name] = inert(value)
        optional = {}
        for name in ("case_number", "email"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be a string or null.")
            optional[name] = inert(value) or None
        return cls(
            event=kind,
            direction=direction,
            at=at,
            **texts,
            case_number=optional["case_number"],
            email=optional["email"],
        )


def parse_time(value: Any) -> datetime:
    """An aware UTC time from ISO 8601 text (with an offset), or now when ``value`` is None."""
    if value is None:
        return _utcnow()
    if not isinstance(value, str):
        raise ValueError("at must be an ISO 8601 time such as 2024-05-01T09:30:00Z.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"at {value[:40]!r} is not an ISO 8601 time such as 2024-05-01T09:30:00Z."
        ) from None
    if parsed.tzinfo is None:
        raise ValueError("at must include a UTC offset, e.g. 2024-05-01T09:30:00Z.")
    return parsed.astimezone(UTC)


def split_extension(extension: str) -> tuple[str | None, str]:
    """``("PJSIP", "1001")`` for ``"PJSIP/1001"``; ``(None, "1001")`` for ``"1001"``."""
    tech, sep, rest = extension.strip().partition("/")
    return (tech, rest.strip()) if sep else (None, tech)


def channel_endpoint(channel: str) -> tuple[str, str] | None:
    """Technology and endpoint of a channel name: ``PJSIP/1001-0000002a`` → ``("PJSIP", "1001")``.

    ``None`` for ``Local/`` channels (they duplicate the real ones) and unparseable names.
    """
    tech, sep, rest = channel.partition("/")
    if not sep or not tech or not rest or tech.lower() == "local":
        return None
    resource = rest.rsplit("-", 1)[0] if "-" in rest else rest
    return (tech, resource) if resource else None


def _number(*values: str | None, not_: str = "") -> str:
    """The first value that is a real number (not empty, ``<unknown>``, or the agent's own)."""
    for value in values:
        text = (value or "").strip()
        if text.lower() not in _NO_NUMBER and text != not_:
            return text
    return ""


def _dial_target(dial_string: str) -> str:
    """The number in a dial string: ``trunk/0035799123456`` → ``0035799123456``."""
    target = dial_string.rsplit("/", 1)[-1]
    return target.split("@", 1)[0]


@dataclass(slots=True)
class _Call:
    call_id: str
    direction: Direction
    caller: str = ""
    rung: bool = False
    answered: bool = False
    channels: set[str] = field(default_factory=set)


class CallTracker:
    """Turns AMI events into :class:`CallEvent` for one agent extension.

    Feed it every event block (a case-insensitive mapping such as
    :class:`~commcentre_tui.cti.ami.AmiMessage`); events for other extensions give nothing.
    """

    def __init__(self, extension: str) -> None:
        tech, self.extension = split_extension(extension)
        self.technology: str | None = tech
        """The channel technology (``PJSIP``, ``SIP``…): configured, else the last one seen."""
        self._fixed_tech = tech is not None
        self._calls: dict[str, _Call] = {}
        self._channels: dict[str, str] = {}
        self._outgoing: dict[str, str] = {}

    def expect_outgoing(self, channel_id: str, number: str) -> None:
        """The agent channel with Uniqueid ``channel_id`` is our click-to-dial call to ``number``."""
        self._outgoing[channel_id] = number
        while len(self._outgoing) > 32:
            self._outgoing.pop(next(iter(self._outgoing)))

    @property
    def active_calls(self) -> int:
        """Calls with at least one live channel of this extension."""
        return len(self._calls)

    def feed(self, msg: Mapping[str, str]) -> list[CallEvent]:
        """The call events ``msg`` means for this extension (usually none)."""
        name = msg.get("Event", "").lower()
        if name in ("newchannel", "newstate"):
            return self._on_state(msg)
        if name == "dialbegin":
            return self._on_dial(msg, "DestChannel", "DestUniqueid", "DestLinkedid")
        if name == "dial" and msg.get("SubEvent", "").lower() == "begin":
            return self._on_dial(msg, "Destination", "DestUniqueID", "")
        if name == "bridgeenter":
            return self._answer(msg.get("Channel", ""), msg, bridged=True)
        if name == "bridge" and msg.get("Bridgestate", "Link").lower() == "link":
            return self._answer(msg.get("Channel1", ""), msg, bridged=True) + self._answer(
                msg.get("Channel2", ""), msg, bridged=True
            )
        if name == "hangup":
            return self._hangup(msg)
        return []

    # -- helpers -------------------------------------------------------------------------------

    def _mine(self, channel: str) -> bool:
        endpoint = channel_endpoint(channel)
        if endpoint is None or endpoint[1] != self.extension:
            return False
        if not self._fixed_tech:
            self.technology = endpoint[0]
        return True

    def _track(
        self,
        channel: str,
        msg: Mapping[str, str],
        uid_key: str,
        linked_key: str,
        *,
        dialing: bool = False,
    ) -> _Call:
        call_id = self._channels.get(channel)
        if call_id is None:
            uid = msg.get(uid_key, "")
            call_id = (msg.get(linked_key, "") if linked_key else "") or uid or channel
            self._channels[channel] = call_id
        call = self._calls.get(call_id)
        if call is None:
            number = self._outgoing.pop(msg.get(uid_key, ""), None)
            outgoing = number is not None or dialing
            call = _Call(call_id, "outgoing" if outgoing else "incoming", number or "")
            self._calls[call_id] = call
            self._forget_oldest()
        call.channels.add(channel)
        return call

    def _forget_oldest(self) -> None:
        while len(self._calls) > MAX_TRACKED_CALLS:
            old = self._calls.pop(next(iter(self._calls)))
            for channel in old.channels:
                self._channels.pop(channel, None)

    def _event(self, call: _Call, kind: EventKind, msg: Mapping[str, str]) -> CallEvent:
        at = _utcnow()
        stamp = msg.get("Timestamp")
        if stamp:
            with contextlib.suppress(ValueError, OverflowError, OSError):
                at = datetime.fromtimestamp(float(stamp), UTC)
        return CallEvent(
            kind, self.extension, call.caller, call.call_id, at=at, direction=call.direction
        )

    def _ring(self, call: _Call, msg: Mapping[str, str], caller: str) -> list[CallEvent]:
        if caller and not call.caller:
            call.caller = caller
        if call.rung:
            return []
        call.rung = True
        return [self._event(call, "ringing", msg)]

    # -- event handlers ------------------------------------------------------------------------

    def _on_state(self, msg: Mapping[str, str]) -> list[CallEvent]:
        channel = msg.get("Channel", "")
        if not self._mine(channel):
            return []
        desc = msg.get("ChannelStateDesc", "").lower()
        dialing = desc in ("ring", "dialing", "offhook")
        call = self._track(channel, msg, "Uniqueid", "Linkedid", dialing=dialing)
        if desc == "ringing":  # the agent's phone rings: an incoming call, or our click-to-dial
            caller = _number(
                msg.get("ConnectedLineNum"), msg.get("CallerIDNum"), not_=self.extension
            )
            return self._ring(call, msg, caller if call.direction == "incoming" else "")
        if desc == "up" and call.direction == "incoming":
            return self._answer(channel, msg, bridged=False)
        return []

    def _on_dial(
        self, msg: Mapping[str, str], dest_key: str, uid_key: str, linked_key: str
    ) -> list[CallEvent]:
        events: list[CallEvent] = []
        dest = msg.get(dest_key, "")
        if self._mine(dest):  # someone dials the agent
            call = self._track(dest, msg, uid_key, linked_key)
            caller = _number(
                msg.get("CallerIDNum"), msg.get("DestConnectedLineNum"), not_=self.extension
            )
            events += self._ring(call, msg, caller if call.direction == "incoming" else "")
        source = msg.get("Channel", "")
        if self._mine(source):  # the agent's channel dials out (desk phone or click-to-dial)
            call = self._track(source, msg, "Uniqueid", "Linkedid", dialing=True)
            target = _number(
                msg.get("Exten"),
                _dial_target(msg.get("DialString", "")),
                msg.get("DestCallerIDNum"),
                not_=self.extension,
            )
            events += self._ring(call, msg, target)
        return events

    def _answer(self, channel: str, msg: Mapping[str, str], *, bridged: bool) -> list[CallEvent]:
        if not self._mine(channel):
            return []
        call_id = self._channels.get(channel)
        call = self._calls.get(call_id) if call_id else None
        if call is None or call.answered or (call.direction == "outgoing" and not bridged):
            return []
        call.answered = True
        events = [] if call.rung else self._ring(call, msg, "")
        return [*events, self._event(call, "answered", msg)]

    def _hangup(self, msg: Mapping[str, str]) -> list[CallEvent]:
        channel = msg.get("Channel", "")
        call_id = self._channels.pop(channel, None)
        if call_id is None:
            return []
        call = self._calls.get(call_id)
        if call is None:
            return []
        call.channels.discard(channel)
        if call.channels:
            return []
        del self._calls[call_id]
        return [self._event(call, "hangup", msg)] if call.rung or call.answered else []
