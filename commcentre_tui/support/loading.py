"""Running blocking repository calls off the UI loop, with a loading indicator and error sentences.

:func:`fetch` starts a Textual thread worker in an exclusive group (a newer call in the same
group supersedes an older one, whose result is then dropped), shows the loading indicator on a
widget only if the call takes longer than :data:`LOADING_DELAY`, and hands the result to a
callback on the UI loop. A failure becomes a notification with one sentence, never a traceback.

A widget that is also a :class:`HoldsKeys` keeps the focus while it loads (Textual's own loading
state would take the focus away, and the keys typed meanwhile would reach no one): it holds those
keys from the start of the call and replays them, in order, once the result is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from textual import events
from textual.dom import DOMNode
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from commcentre_tui.failures import failure_sentence

T = TypeVar("T")

#: Seconds before the loading indicator appears (fast calls never flash it).
LOADING_DELAY = 0.15

#: The newest call per node and group (older results are dropped).
_PENDING: WeakKeyDictionary[DOMNode, dict[str, tuple[object, Widget | None]]] = WeakKeyDictionary()


def once(callback: Callable[[], Any]) -> Callable[[], None]:
    """``callback``, run the first time the result is called and never again."""
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            done = True
            callback()

    return run


class HoldsKeys:
    """Mixin for a focusable widget that takes keys while its content is being replaced
    (type-ahead): keys that reach it while it waits are held, then replayed in the order typed.

    A replayed key goes to whichever widget has the focus when it is replayed (the same widget,
    or the search bar if the wait ended in an error), through the app's own key handling.
    """

    _holding = False
    _held: list[events.Key]
    busy = False
    """Whether the loading indicator is shown (Textual's ``loading`` stays ``False``)."""

    def show_busy(self, busy: bool) -> None:
        """Show or hide the loading indicator, keeping the focus."""
        self.busy = busy
        self.set_loading(busy)  # type: ignore[attr-defined]  # a mixin for Widget subclasses; Widget provides it

    def hold_keys(self) -> None:
        """Hold the keys that reach this widget from now on."""
        if not self._holding:
            self._holding = True
            self._held = []

    def release_keys(self) -> None:
        """Stop holding and replay the held keys."""
        if not self._holding:
            return
        self._holding = False
        app = self.app  # type: ignore[attr-defined]  # a mixin for Widget subclasses; Widget provides it
        for key in self._held:
            replay = events.Key(key.key, key.character)
            replay.set_sender(app)
            app.post_message(replay)
        self._held = []

    def on_key(self, event: events.Key) -> None:
        if self._holding:
            event.stop()
            event.prevent_default()
            self._held.append(event)


class HoldsKeysUntilReady:
    """Mixin for a form screen that builds its fields after a load: nothing has the focus until
    the first field does, and the keys typed meanwhile (Tab included) are held, then replayed in
    the order typed, so an agent who types as the form opens (or keys batched over SSH) loses
    nothing and presses no button by accident."""

    AUTO_FOCUS: str | None = None
    holding_keys = True
    """Whether keys are being held (the app's Tab binding defers to the screen meanwhile)."""
    _early_keys: list[events.Key] | None = None

    def on_key(self, event: events.Key) -> None:
        if self.holding_keys:
            event.stop()
            event.prevent_default()
            if self._early_keys is None:
                self._early_keys = []
            self._early_keys.append(event)

    def keys_ready(self, first: Widget) -> None:
        """Focus ``first`` at once, then replay the keys typed before it could take them."""
        focus_now(first)
        self.holding_keys = False
        held, self._early_keys = self._early_keys or [], None
        app = first.app
        for key in held:
            replay = events.Key(key.key, key.character)
            replay.set_sender(app)
            app.post_message(replay)


def focus_now(widget: Widget) -> None:
    """Give ``widget`` the focus at once. ``Widget.focus`` waits for the messages already queued,
    so the keys typed just before would still go to the old focus (e.g. a view just hidden)."""
    widget.screen.set_focus(widget, scroll_visible=False)


def report(node: DOMNode, exc: BaseException, what: str) -> None:
    """Notify the agent of ``exc`` (one sentence; the details logged)."""
    node.app.notify(
        failure_sentence(exc, what), title="Could not finish", severity="error", timeout=8
    )


def _not_busy(widget: Widget) -> None:
    """End the loading state of ``widget`` (whose call was superseded by another widget's)."""
    if isinstance(widget, HoldsKeys):
        widget.show_busy(False)
        widget.release_keys()
    else:
        widget.loading = False


def fetch(
    node: DOMNode,
    call: Callable[[], T],
    apply: Callable[[T], Any],  # (or returning an awaitable)
    *,
    group: str,
    what: str,
    busy: Widget | None = None,
    on_error: Callable[[BaseException], bool] | None = None,
    on_slow: Callable[[], Any] | None = None,
) -> Worker[None]:
    """Run ``call`` in a thread worker of ``node`` and give its result to ``apply`` on the UI loop.

    ``busy`` shows the loading indicator while the call is slow, and ``on_slow`` is called then
    (e.g. to show where the result will appear): a fast call changes the screen only once, when
    its result is in. ``apply`` may be a coroutine function (e.g. one that mounts widgets): it is
    awaited on the UI loop before the worker ends. A ``busy`` that :class:`HoldsKeys` keeps the focus and holds the keys typed
    from now until the result (or the error) is shown. ``on_error`` may handle an error itself
    (return ``True``); otherwise it is reported with :func:`report`.
    """
    pending = _PENDING.setdefault(node, {})
    previous = pending.get(group)
    if previous is not None and previous[1] is not None and previous[1] is not busy:
        _not_busy(previous[1])
    holder = busy if isinstance(busy, HoldsKeys) else None
    if holder is not None:
        holder.hold_keys()
    token = object()
    pending[group] = (token, busy)
    covered: list[Widget] = []
    """The focused widget the loading indicator covers (refocused afterwards)."""
    if busy is not None or on_slow is not None:

        def show_busy() -> None:
            if pending.get(group, (None,))[0] is not token:
                return
            if on_slow is not None:
                on_slow()
            if holder is not None:
                # The indicator without Textual's loading state, which refuses the focus.
                holder.show_busy(True)
            elif busy is not None:
                focused = busy.screen.focused
                if focused is not None and (focused is busy or busy in focused.ancestors):
                    covered.append(focused)
                busy.loading = True

        node.set_timer(LOADING_DELAY, show_busy)

    def done(worker: Worker[None], result: Any, exc: BaseException | None) -> Any:
        if pending.get(group, (None,))[0] is not token:
            return None  # superseded by a newer call in the same group
        del pending[group]
        shown: Any = None
        with node.app.batch_update():  # one screen update for the whole result
            if holder is not None:
                holder.show_busy(False)
            elif busy is not None:
                busy.loading = False
                if covered and covered[0].is_attached and busy.screen.focused is None:
                    covered[0].focus(scroll_visible=False)
            try:
                if exc is None:
                    shown = apply(result)
                elif on_error is None or not on_error(exc):
                    report(node, exc, what)
            finally:
                if holder is not None:
                    holder.release_keys()  # after the result is shown and the focus placed
        return shown  # (an awaitable is awaited by call_from_thread before the worker ends)

    def job() -> None:
        worker = get_current_worker()
        try:
            result, exc = call(), None
        except Exception as error:  # noqa: BLE001 - every failure becomes a sentence
            result, exc = None, error
        if worker.is_cancelled:
            return
        with suppress(RuntimeError):  # the app is closing
            node.app.call_from_thread(done, worker, result, exc)

    return node.run_worker(
        job, name=what, group=group, exclusive=True, thread=True, exit_on_error=False
    )
