"""The Wallboard's panels as Rich ``Text``: words first, colour only as a second cue.

Pure functions of a :class:`~commcentre_tui.repo.wallboard.Board` (no Textual), so what a
supervisor reads can be checked without a screen. Names and callers come from the database and
the PBX: always :func:`~commcentre_tui.text.inert` text in ``Text``, never markup.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text

from commcentre_tui.repo.wallboard import SIGNED_OUT, AgentRow, Board, QueueRow, Today, Trend
from commcentre_tui.text import inert

#: The state words a supervisor reads, and a style that only repeats them.
STATE_WORDS = {
    "available": ("available", "green"),
    "ringing": ("ringing", "bold yellow"),
    "on_call": ("on a call", "bold cyan"),
    "wrap_up": ("wrap-up", "magenta"),
    "away": ("away", "dim"),
    SIGNED_OUT: ("signed out", "dim"),
}
#: Width of one hour in the trend chart (the numbers under it line up).
HOUR_CELLS = 3
BAR_WIDTH = 30


def span(seconds: float | None) -> str:
    """``75`` → ``"1:15"``; hours as ``"1:02:03"``; ``None`` → ``"—"``."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def state_words(row: AgentRow, now: datetime) -> str:
    """What the agent is doing, in words: ``on a call with Maria``, ``wrap-up (0:40 left)``."""
    words = STATE_WORDS.get(row.state, (row.state, ""))[0]
    who = inert(row.detail)
    if row.state == "on_call" and who:
        return f"{words} with {who}"
    if row.state == "ringing" and who:
        return f"{words}: {who}"
    if row.state == "wrap_up":
        if row.until is not None:
            left = (row.until - now).total_seconds()
            words += f" ({span(left)} left)" if left >= 0 else f" (over by {span(-left)})"
        return words
    return words


def since_words(row: AgentRow, now: datetime, tz: tzinfo | None) -> str:
    """``14:02 (3:10)``: the state's start and how long it has lasted."""
    if row.since is None:
        return ""
    return f"{row.since.astimezone(tz):%H:%M} ({span((now - row.since).total_seconds())})"


def agents_text(board: Board, tz: tzinfo | None = None) -> Text:
    """One line per agent: name, state, since, handled calls, AHT, communications logged."""
    text = Text(
        f"{'Agent':<18} {'State':<26} {'Since':<14} {'Calls':>5} {'AHT':>6} {'Comms':>5}\n",
        style="bold",
    )
    if not board.agents:
        text.append("No agents.")
    for row in board.agents:
        style = STATE_WORDS.get(row.state, ("", ""))[1]
        text.append(f"{inert(row.name)[:18]:<18} ")
        text.append(f"{state_words(row, board.at)[:26]:<26}", style=style)
        text.append(
            f" {since_words(row, board.at, tz):<14} {row.handled:>5} "
            f"{span(row.aht_seconds):>6} {row.logged:>5}\n"
        )
    text.rstrip()
    return text


def queue_text(board: Board) -> Text:
    """Calls waiting and the longest wait per queue, or that the PBX reports none."""
    if not board.queues:
        return Text("No queue reported by the telephone system.")
    text = Text(f"{'Queue':<20} {'Waiting':>7}  Longest wait\n", style="bold")
    for queue in board.queues:
        text.append(_queue_line(queue, board.at))
    text.rstrip()
    return text


def _queue_line(queue: QueueRow, now: datetime) -> str:
    longest = (
        span((now - queue.longest_since).total_seconds())
        if queue.waiting and queue.longest_since is not None
        else "—"
    )
    return f"{inert(queue.queue)[:20]:<20} {queue.waiting:>7}  {longest}\n"


def today_text(today: Today) -> Text:
    """Calls, AHT, communications by media and direction, the outbox, tasks and cases."""
    text = Text()
    text.append("Calls ", style="bold")
    text.append(
        f"in {today.calls_in} · out {today.calls_out} · answered {today.answered} · "
        f"abandoned {today.abandoned} · "
        f"handled {today.handled} · AHT {span(today.aht_seconds)} · "
        f"after-call work {span(today.acw_seconds)}\n"
    )
    text.append("Communications ", style="bold")
    media = sorted(today.media.items(), key=lambda item: (-item[1], item[0]))
    text.append(
        " · ".join(f"{m} {'in' if d == 'incoming' else 'out'} {n}" for (m, d), n in media)
        or "none today"
    )
    text.append("\nOutbox ", style="bold")
    text.append(
        f"queued {today.outbox_queued} · sent today {today.outbox_sent} · "
        f"failed today {today.outbox_failed}" + (" (f lists them)" if today.outbox_failed else "")
    )
    text.append("\nCare ", style="bold")
    cases = " · ".join(f"{inert(s)} {n}" for s, n in sorted(today.open_cases.items())) or "none"
    text.append(f"overdue tasks {today.overdue_tasks} · open cases: {cases}")
    text.append("\nDispositions", style="bold")
    text.append_text(disposition_bars(today.dispositions))
    return text


def disposition_bars(rows: list[tuple[str, int]], width: int = BAR_WIDTH) -> Text:
    """A horizontal bar per disposition reason with its count beside it."""
    text = Text()
    if not rows:
        text.append("\nno completed calls today")
        return text
    top = max(n for _, n in rows) or 1
    for reason, count in rows:
        bar = "█" * max(1, round(width * count / top))
        text.append(f"\n{inert(reason)[:16]:<16} ")
        text.append(bar, style="cyan")
        text.append(f" {count}")
    return text


def hour_numbers(values: tuple[int, ...]) -> str:
    """The hourly figures, :data:`HOUR_CELLS` wide each (they line up under the chart)."""
    return "".join(f"{v:>{HOUR_CELLS}}" for v in values)


def trend_caption(
    label: str, today: tuple[int, ...], last_week: tuple[int, ...], hour: int
) -> Text:
    """``Calls today 34 (this hour 5) · last week 29 (5)``."""
    return Text(
        f"{label} today {sum(today)} (this hour {today[hour]}) · same day last week "
        f"{sum(last_week)} (at this hour {last_week[hour]})"
    )


def hour_of(board: Board, tz: tzinfo | None) -> int:
    """The current hour of the day (the bucket "this hour" reads)."""
    return board.at.astimezone(tz).hour


def trend_rows(trend: Trend) -> dict[str, tuple[int, ...]]:
    """The four series by widget id suffix."""
    return {
        "calls": trend.calls,
        "calls-lw": trend.calls_last_week,
        "comms": trend.comms,
        "comms-lw": trend.comms_last_week,
    }
