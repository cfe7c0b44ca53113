"""Validating CTI listener request bodies into call events and queue news (:class:`BadEvent`)."""

from __future__ import annotations

import uuid
from typing import Any

from commcentre_tui.cti.events import DIRECTIONS, EVENT_KINDS, CallEvent, parse_time
from commcentre_tui.cti.queue_events import QueueUpdate


class BadEvent(ValueError):
    """The request body is not a valid call event (the message is the reason)."""


def _text(data: dict[str, Any], name: str, *, required: bool, limit: int = 254) -> str | None:
    if name not in data or data[name] is None:
        if required:
            raise BadEvent(f'The field "{name}" is missing.')
        return None
    value = data[name]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BadEvent(f'The field "{name}" must be a string.')
    value = value.strip()
    if len(value) > limit:
        raise BadEvent(f'The field "{name}" is longer than {limit} characters.')
    if any(not ch.isprintable() for ch in value):
        raise BadEvent(f'The field "{name}" contains control characters.')
    return value


class CallIds:
    """Call ids for listener events that bring none: one per extension from ringing to hang-up."""

    def __init__(self) -> None:
        self._current: dict[str, str] = {}

    def for_event(self, kind: str, extension: str) -> str:
        call_id = self._current.get(extension)
        if kind == "ringing" or call_id is None:
            call_id = f"L-{uuid.uuid4().hex[:12]}"
            self._current[extension] = call_id
        if kind == "hangup":
            self._current.pop(extension, None)
        return call_id


def event_from_payload(data: Any, call_ids: CallIds | None = None) -> CallEvent:
    """The :class:`CallEvent` a listener request body describes, or :class:`BadEvent`.

    Without ``call_id`` in the body, ``call_ids`` assigns one (else it stays empty).
    """
    if not isinstance(data, dict):
        raise BadEvent(
            'The body must be a JSON object such as {"event": "ringing", '
            '"extension": "1001", "caller": "+35799123456"}.'
        )
    kind = (_text(data, "event", required=True) or "").lower()
    if kind not in EVENT_KINDS:
        raise BadEvent(f'The field "event" must be one of {", ".join(EVENT_KINDS)}, not {kind!r}.')
    extension = _text(data, "extension", required=True, limit=40) or ""
    if not extension:
        raise BadEvent('The field "extension" is empty.')
    caller = _text(data, "caller", required=True, limit=64) or ""
    direction = (_text(data, "direction", required=False, limit=10) or "incoming").lower()
    if direction not in DIRECTIONS:
        raise BadEvent('The field "direction" must be incoming or outgoing.')
    try:
        at = parse_time(data.get("at"))
    except ValueError as exc:
        raise BadEvent(f'The field "at" {str(exc).removeprefix("at ")}') from None
    call_id = _text(data, "call_id", required=False, limit=100) or ""
    if not call_id and call_ids is not None:
        call_id = call_ids.for_event(kind, extension)
    return CallEvent(
        event=kind,  # type: ignore[arg-type]  # kind was checked against the three event names above
        extension=extension,
        caller=caller,
        call_id=call_id,
        case_number=_text(data, "case_number", required=False, limit=60) or None,
        email=_text(data, "email", required=False) or None,
        at=at,
        direction=direction,  # type: ignore[arg-type]  # direction is 'incoming' or 'outgoing' by construction above
    )


def queue_from_payload(data: dict[str, Any]) -> QueueUpdate:
    """``{"event": "queue", "queue": "support", "waiting": 3, "longest_wait": 42, "at"?: …}``
    as a :class:`QueueUpdate` (``summary``), or :class:`BadEvent` with a sentence."""
    queue = _text(data, "queue", required=True, limit=80) or ""
    if not queue:
        raise BadEvent('The field "queue" must name the queue.')
    if data.get("abandoned") is not None:  # {"event": "queue", …, "abandoned": "<id>", "wait"?}
        return _abandon(data, queue)
    waiting, longest = data.get("waiting"), data.get("longest_wait", 0)
    if not isinstance(waiting, int) or isinstance(waiting, bool) or waiting < 0:
        raise BadEvent('The field "waiting" must be a whole number of calls, 0 or more.')
    if not isinstance(longest, int | float) or isinstance(longest, bool) or longest < 0:
        raise BadEvent('The field "longest_wait" must be the longest wait in seconds, 0 or more.')
    try:
        at = parse_time(data.get("at"))
    except ValueError as exc:
        raise BadEvent(str(exc)) from None
    return QueueUpdate("summary", queue, waiting=waiting, longest=float(longest), at=at)


def _abandon(data: dict[str, Any], queue: str) -> QueueUpdate:
    """A caller who hung up while waiting in ``queue`` (the PBX's id of the call)."""
    uniqueid = _text(data, "abandoned", required=True, limit=80) or ""
    if not uniqueid:
        raise BadEvent('The field "abandoned" must be the id of the abandoned call.')
    wait = data.get("wait", 0)
    if not isinstance(wait, int | float) or isinstance(wait, bool) or wait < 0:
        raise BadEvent('The field "wait" must be the caller\'s wait in seconds, 0 or more.')
    try:
        at = parse_time(data.get("at"))
    except ValueError as exc:
        raise BadEvent(str(exc)) from None
    return QueueUpdate("abandon", queue, uniqueid, longest=float(wait), at=at)
