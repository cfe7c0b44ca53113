"""Ending the console cleanly on SIGTERM or SIGHUP (an SSH disconnect, a kill, a server shutdown).

Without this a signal would end the process on the spot: the agent's presence would linger until
it expires and the text typed into an open communication since its last autosave would be lost.
Instead the console:

1. autosaves every open form that autosaves (``autosave_now()``, e.g. the communication form),
   and waits for those writes and for any save already in progress (:data:`SAVE_GROUPS`, at
   most :data:`SAVE_WAIT_SECONDS`), so a save the agent started is finished, not cut off;
2. closes its presence session, so other agents stop seeing it at once;
3. exits with status ``128 + signal`` (143 for SIGTERM, 129 for SIGHUP).

The SSH server gives a console ``--grace`` seconds after SIGTERM/SIGHUP before killing it; every
step here is one short transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp

log = logging.getLogger("commcentre.console")

#: The signals that end the console cleanly.
SIGNALS = (signal.SIGTERM, signal.SIGHUP)

#: Worker groups that write: autosaves and the saves of forms, contact info, calls, bulk queue.
SAVE_GROUPS = frozenset(
    {"comm-autosave", "comm-save", "form-save", "info-save", "wrap-up", "bulk-queue"}
)

#: The longest the shutdown waits for those writes (the SSH server's grace is 10 s by default).
SAVE_WAIT_SECONDS = 8.0


def install_signal_handlers(app: CommCentreApp) -> Callable[[], None]:
    """Handle SIGTERM/SIGHUP on ``app``'s event loop; returns a function that removes them.

    Does nothing (and returns a no-op) off the main thread or where the loop cannot handle
    signals.
    """
    loop = asyncio.get_running_loop()
    installed: list[tuple[int, Any]] = []
    for sig in SIGNALS:
        previous = signal.getsignal(sig)
        try:
            loop.add_signal_handler(sig, request_shutdown, app, sig)
        except (ValueError, RuntimeError, NotImplementedError):
            continue
        installed.append((sig, previous))

    def remove() -> None:
        for sig, previous in installed:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        installed.clear()

    return remove


def request_shutdown(
    app: CommCentreApp,
    sig: int = signal.SIGTERM,
    *,
    code: int | None = None,
    message: str | None = None,
) -> None:
    """Start the clean shutdown (UI loop only); a second request while it runs is ignored.

    Exits with ``code`` (default ``128 + sig``), printing ``message`` after the console closes.
    """
    if getattr(app, "_cc_shutting_down", False):
        return
    app._cc_shutting_down = True
    app.run_worker(
        shut_down(app, sig, code=code, message=message), group="shutdown", exit_on_error=False
    )


async def flush_autosaves(app: CommCentreApp) -> None:
    """Autosave every open form that autosaves, and wait until those and other saves in
    progress are done (or :data:`SAVE_WAIT_SECONDS` have passed)."""
    for screen in list(app.screen_stack):
        autosave = getattr(screen, "autosave_now", None)
        if callable(autosave):
            try:
                autosave()
            except Exception:  # noqa: BLE001 - a form not yet built has nothing to save
                log.warning("autosave on shutdown failed", exc_info=True)
    pending = [w for w in app.workers if w.group in SAVE_GROUPS and not w.is_finished]
    if pending:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(app.workers.wait_for_complete(pending), SAVE_WAIT_SECONDS)


async def shut_down(
    app: CommCentreApp, sig: int, *, code: int | None = None, message: str | None = None
) -> None:
    """Flush autosaves, close the presence session, exit with ``code`` (``128 + sig``)."""
    try:
        await flush_autosaves(app)
    finally:
        keeper = app.presence_keeper()
        if keeper is not None:
            await asyncio.to_thread(keeper.close)
        app.exit(return_code=128 + int(sig) if code is None else code, message=message)
