"""The time zone the console shows times in: the signed-in agent's (``agent.time_zone``, an IANA
name), else the server's. Storage stays UTC; only what an agent reads (and types) is local.

One console process serves one agent (``serve-ssh`` starts a process per connection), so the
zone is chosen once per process with :func:`use` when the agent is known.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from commcentre_tui.text import quoted

_zone: tzinfo | None = None
"""The agent's zone; ``None``: the server's (whatever the process's local zone is)."""


def check(name: str) -> str:
    """``name`` if it is a known IANA zone (``Europe/Nicosia``, ``UTC``); else raises
    ``ValueError`` with one sentence."""
    text = name.strip()
    problem = f"“{quoted(text)}” is not a known time zone; give an IANA name such as Europe/Nicosia or UTC."
    if not text or text != name or "\x00" in text or len(text) > 64:
        raise ValueError(problem)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(problem) from None
    if text not in available_timezones() and text != "UTC":
        raise ValueError(problem)
    return text


def use(name: str | None) -> None:
    """Show times in ``name`` from now on (``None`` or an unknown name: the server's zone)."""
    global _zone
    try:
        _zone = ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        _zone = None


def zone() -> tzinfo:
    """The zone times are shown in."""
    if _zone is not None:
        return _zone
    local = datetime.now().astimezone().tzinfo
    assert local is not None  # astimezone() always gives an aware time
    return local


def name() -> str:
    """The zone's name as an agent reads it (``Europe/Nicosia``; the server's abbreviation)."""
    return str(_zone) if _zone is not None else (datetime.now().astimezone().tzname() or "local")


def local(value: datetime) -> datetime:
    """An aware time in the shown zone (a naive one is taken as UTC, as storage is)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone())


def now() -> datetime:
    """The time now in the shown zone."""
    return datetime.now(zone())


def today() -> date:
    """Today's date in the shown zone."""
    return now().date()


def midnight(day: date) -> datetime:
    """The start of ``day`` in the shown zone (aware)."""
    return datetime.combine(day, time(), tzinfo=zone())


def from_local(value: datetime) -> datetime:
    """A time an agent typed (naive: in the shown zone) as an aware time."""
    return value.replace(tzinfo=zone()) if value.tzinfo is None else value


def typed(text: str | None) -> str | None:
    """A date and time as an agent typed it (in the shown zone) made explicit: the same instant
    written with its UTC offset, so a service stores it right. Other text is left as it is, for
    the service to refuse in its own words."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return text
    return from_local(value).isoformat(sep=" ")
