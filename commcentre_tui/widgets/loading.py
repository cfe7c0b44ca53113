"""Running blocking repository calls off the UI loop, with a loading indicator and error sentences.

:func:`fetch` starts a Textual thread worker in an exclusive group (a newer call in the same
group supersedes an older one, whose result is then dropped), shows the loading indicator on a
widget only if the call takes longer than :data:`LOADING_DELAY`, and hands the result to a
callback on the UI loop. A failure becomes a notification with one sentence, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from textual.dom import DOMNode
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from commcentre_tui.errors import CommCentreError

T = TypeVar("T")

#: Seconds before the loading indicator appears (fast calls never flash it).
LOADING_DELAY = 0.15

log = logging.getLogger("commcentre.console")

#: The newest call per node and group (older results are dropped).
_PENDING: WeakKeyDictionary[DOMNode, dict[str, tuple[object, Widget | None]]] = (
    WeakKeyDictionary())


def once(callback: Callable[[], Any]) -> Callable[[], None]:
    """``callback``, run the first time the result is called and never again."""
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            done = True
            callback()

    return run


def sentence(exc: BaseException, what: str) -> str:
    """One sentence an agent can read for ``exc`` raised while ``what`` (e.g. "searching")."""
    if isinstance(exc, CommCentreError):
        return str(exc)
    name = type(exc).__name__
    module = type(exc).__module__
    if name == "DatabaseError" and module.startswith("commcentre_tui"):
        return str(exc)
    if module.startswith("sqlalchemy") or module.startswith(("psycopg", "sqlite3")):
        if "locked" in str(exc).lower():
            return f"The database is busy, so {what} did not finish; try again in a moment."
        return f"The database did not answer while {what}; try again in a moment."
    return f"Something went wrong while {what}; the details are in the log."


def report(node: DOMNode, exc: BaseException, what: str) -> None:
    """Notify the agent of ``exc`` (one sentence) and log the details."""
    if not isinstance(exc, CommCentreError):
        log.error("error while %s", what, exc_info=exc)
    node.app.notify(sentence(exc, what), title="Could not finish", severity="error", timeout=8)


def fetch(
    node: DOMNode,
    call: Callable[[], T],
    apply: Callable[[T], Any],
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
    its result is in. ``on_error`` may handle an error itself (return ``True``); otherwise it is
    reported with :func:`report`.
    """
    pending = _PENDING.setdefault(node, {})
    previous = pending.get(group)
    if previous is not None and previous[1] is not None and previous[1] is not busy:
        previous[1].loading = False
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
            if busy is not None:
                focused = busy.screen.focused
                if focused is not None and (focused is busy or busy in focused.ancestors):
                    covered.append(focused)
                busy.loading = True

        node.set_timer(LOADING_DELAY, show_busy)

    def done(worker: Worker[None], result: Any, exc: BaseException | None) -> None:
        if pending.get(group, (None,))[0] is not token:
            return  # superseded by a newer call in the same group
        del pending[group]
        with node.app.batch_update():  # one screen update for the whole result
            if busy is not None:
                busy.loading = False
                if covered and covered[0].is_attached and busy.screen.focused is None:
                    covered[0].focus(scroll_visible=False)
            if exc is None:
                apply(result)
            elif on_error is None or not on_error(exc):
                report(node, exc, what)

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

    return node.run_worker(job, name=what, group=group, exclusive=True, thread=True,
                           exit_on_error=False)
