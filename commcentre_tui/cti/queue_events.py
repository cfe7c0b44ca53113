"""The PBX's queue news: :class:`QueueUpdate`, its JSON form and the AMI queue-event mapping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from commcentre_tui.cti.events import _number, _utcnow, parse_time
from commcentre_tui.text import inert

QueueKind = Literal["join", "leave", "abandon", "summary"]


@dataclass(frozen=True, slots=True)
class QueueUpdate:
    """What the PBX said about one of its queues (texts inert, ``at`` aware UTC).

    ``join``/``leave`` name one caller (``uniqueid``); ``abandon`` is a caller who hung up while
    waiting (``longest``: their wait in seconds); ``summary`` gives the queue's own figures
    (``waiting`` calls, the ``longest`` wait in seconds).
    """

    kind: QueueKind
    queue: str
    uniqueid: str = ""
    caller: str = ""
    waiting: int = 0
    longest: float = 0.0
    at: datetime = field(default_factory=_utcnow)


def queue_to_dict(update: QueueUpdate) -> dict[str, Any]:
    """``update`` as JSON-ready data (the bridge forwards queue news to its consoles)."""
    return {
        "kind": update.kind,
        "queue": update.queue,
        "uniqueid": update.uniqueid,
        "caller": update.caller,
        "waiting": update.waiting,
        "longest": update.longest,
        "at": update.at.isoformat(),
    }


def queue_from_dict(data: dict[str, Any]) -> QueueUpdate:
    """The :class:`QueueUpdate` of :func:`queue_to_dict` (texts made inert again: it crossed a
    socket); ``ValueError``/``KeyError``/``TypeError`` when it is not one."""
    kind = str(data["kind"])
    if kind not in ("join", "leave", "abandon", "summary"):
        raise ValueError(f"unknown queue update {kind!r}")
    return QueueUpdate(
        kind,  # type: ignore[arg-type]  # checked against QueueKind just above
        inert(str(data["queue"]))[:80],
        inert(str(data.get("uniqueid", "")))[:80],
        inert(str(data.get("caller", "")))[:80],
        max(0, int(data.get("waiting", 0))),
        max(0.0, float(data.get("longest", 0.0))),
        parse_time(data.get("at")),
    )


def _count(value: str | None) -> int:
    try:
        return max(0, int(float(value or 0)))
    except (ValueError, OverflowError):
        return 0


def queue_update(msg: Mapping[str, str]) -> QueueUpdate | None:
    """The queue news in an AMI event block (``QueueCallerJoin``, ``QueueCallerLeave``,
    ``QueueCallerAbandon``, ``QueueSummary``; Asterisk 1.8/11 ``Join``/``Leave``), else ``None``."""
    name = msg.get("Event", "").lower()
    queue = inert(msg.get("Queue", "")).strip()
    if not queue:
        return None
    if name in ("queuecallerjoin", "join"):
        caller = _number(msg.get("CallerIDNum"), msg.get("CallerID"))
        return QueueUpdate("join", queue, inert(msg.get("Uniqueid", "")), inert(caller))
    if name == "queuecallerabandon":  # the caller hung up while waiting: it also leaves
        hold = _count(msg.get("HoldTime"))
        return QueueUpdate("abandon", queue, inert(msg.get("Uniqueid", "")), longest=hold)
    if name in ("queuecallerleave", "leave"):
        return QueueUpdate("leave", queue, inert(msg.get("Uniqueid", "")))
    if name == "queuesummary":
        longest = _count(msg.get("LongestHoldTime"))
        return QueueUpdate("summary", queue, waiting=_count(msg.get("Callers")), longest=longest)
    return None
