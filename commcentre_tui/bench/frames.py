"""The console bench's clock: when a frame showing a result was drawn, and keys pressed on a
screen at rest (see :mod:`commcentre_tui.bench.console`)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

#: How often the bench looks whether the result is on screen (it shares the GIL with the app).
POLL_SECONDS = 0.0005


async def at_rest_for(app: CommCentreApp, seconds: float) -> None:
    """Wait until nothing is pending on screen and no frame has been drawn for ``seconds``.

    A key pressed right after a frame waits for the screen's next update tick (Textual draws
    at most 60 frames a second); an agent's keys are further apart than that, so the bench
    starts each measurement from a screen at rest.
    """
    clock = frame_clock(app)
    while True:
        last = clock.frames[-1][0] if clock.frames else 0.0
        if _at_rest(app.screen) and time.perf_counter() - last >= seconds:
            return
        await asyncio.sleep(POLL_SECONDS * 4)


async def key_until(
    app: CommCentreApp,
    key: str,
    done: Callable[[], bool],
    timeout: float = 30.0,
) -> float:
    """Seconds from the key reaching the app to the first frame that shows ``done()``.

    The key goes in as the terminal driver would send it; nothing waits for idle or for
    animations, so only the console's own work is measured. The frame that counts is the first
    one whose layout began with ``done()`` already holding (a frame painted before the layout
    had caught up with the new data does not count), or, where nothing needed laying out, the
    last frame drawn before the screen came to rest.
    """
    from textual import events

    clock = frame_clock(app)
    start = time.perf_counter()
    clock.watch = done
    try:
        app.post_message(events.Key(key, "\r" if key == "enter" else None))
        while not done():
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"{key}: the console did not show the result in {timeout} s")
            await asyncio.sleep(POLL_SECONDS)
        arrived = time.perf_counter()
        while True:
            laid_out = [
                drawn
                for drawn, began, saw_done in clock.frames
                if drawn >= start and (saw_done or began >= arrived)
            ]
            if laid_out:
                return laid_out[0] - start
            if clock.frames and clock.frames[-1][0] >= arrived and _at_rest(app.screen):
                return clock.frames[-1][0] - start
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"{key}: the console did not finish drawing in {timeout} s")
            await asyncio.sleep(POLL_SECONDS)
    finally:
        clock.watch = None


class _FrameClock:
    """When the app drew its recent frames, and what the layout behind each saw."""

    def __init__(self) -> None:
        self.frames: deque[tuple[float, float, bool]] = deque(maxlen=32)
        """(drawn at, layout began at or 0.0 for a frame drawn without a layout, whether the
        watched result was already in place when that layout began)."""
        self.layout_began = 0.0
        self.layout_saw_done = False
        self.watch: Callable[[], bool] | None = None
        """The result being waited for; looked at as each layout begins (the bench's own
        polling only runs between the app's steps, so it can see a result late)."""


def frame_clock(app: Any) -> _FrameClock:  # patches the app's private _display
    """The app's frame clock (the app's display and the screen's layout hooked once)."""
    clock: _FrameClock | None = getattr(app, "_bench_frames", None)
    if clock is not None:
        return clock
    clock = _FrameClock()
    draw, screen = app._display, app.screen
    layout = screen._refresh_layout

    def display(target: Any, renderable: Any) -> None:
        draw(target, renderable)
        if renderable is not None and not app._batch_count:
            clock.frames.append((time.perf_counter(), clock.layout_began, clock.layout_saw_done))

    def refresh_layout(*args: Any, **kwargs: Any) -> None:
        clock.layout_began = time.perf_counter()
        clock.layout_saw_done = clock.watch is not None and clock.watch()
        try:
            layout(*args, **kwargs)
        finally:
            clock.layout_began, clock.layout_saw_done = 0.0, False

    app._display = display
    screen._refresh_layout = refresh_layout
    app._bench_frames = clock
    return clock


def _at_rest(screen: Any) -> bool:
    """Whether nothing is waiting to be laid out, measured or painted on ``screen``."""
    if screen._layout_required or screen._repaint_required or screen._dirty_widgets:
        return False
    if screen._message_queue.qsize():
        return False
    for widget in screen.walk_children():
        if (
            widget._layout_required
            or widget._repaint_required
            or getattr(widget, "_require_update_dimensions", False)
            or widget._message_queue.qsize()
        ):
            return False
    return True
