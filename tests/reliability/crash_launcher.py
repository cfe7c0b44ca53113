"""Test-only launcher: the real ``commcentre`` command line, with a hook that freezes a payment's
transaction at a chosen point so a test can SIGKILL the console exactly there.

``CC_TEST_CRASH_POINT``: ``before_commit`` (every row of the payment written, not yet committed)
or ``after_commit`` (committed, the screen not yet told). When a transaction that wrote a
:class:`~commcentre_tui.models.Payment` reaches that point, the launcher creates the file named by
``CC_TEST_CRASH_MARKER`` and blocks that worker thread forever. Nothing here is imported by the
product; it lives under ``tests/`` and is run as ``python -m tests.reliability.crash_launcher``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

POINT = os.environ.get("CC_TEST_CRASH_POINT", "")
MARKER = os.environ.get("CC_TEST_CRASH_MARKER", "")


def _freeze(session: Session) -> None:
    if not session.info.get("wrote_payment"):
        return
    Path(MARKER).write_text(POINT)
    threading.Event().wait()  # the test kills the process while this thread waits here


def install() -> None:
    """Install the hooks on every SQLAlchemy session (only when the variables are set)."""
    if POINT not in ("before_commit", "after_commit") or not MARKER:
        return
    from commcentre_tui.models import Payment

    @event.listens_for(Session, "after_flush")
    def _saw_payment(session: Session, _context: Any) -> None:
        if any(isinstance(obj, Payment) for obj in session.new):
            session.info["wrote_payment"] = True

    event.listen(Session, POINT, _freeze)


if __name__ == "__main__":
    install()
    from commcentre_tui.cli import entry

    entry()
