"""The one way the console turns an exception into a sentence for the agent.

Service errors (:class:`~commcentre_tui.errors.CommCentreError`) are already sentences; a database
that is busy or not answering says so and what to do; anything else is told as "Something went
wrong …; the details are in the log." Every failure that is not a service error is logged with its
traceback. A background job that stops (the delivery worker) tells why as a clause,
:func:`failure_clause`, by the same rules except that the error's own first line is kept: it names
the mail server or gateway the agent must know about. No Textual here.
"""

from __future__ import annotations

import logging

from commcentre_tui.errors import CommCentreError

log = logging.getLogger("commcentre.console")

#: What a failed save leaves behind, for :func:`failure_sentence`'s ``kept``.
FORM_KEPT = "nothing was saved and your form is kept"


def database_failure(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the database driver or SQLAlchemy (not a constraint or data
    error, which are the program's)."""
    module, name = type(exc).__module__, type(exc).__name__
    if name in ("IntegrityError", "DataError"):
        return False
    return module.startswith(("sqlalchemy", "psycopg", "sqlite3"))


def failure_sentence(exc: BaseException, what: str, *, kept: str | None = None) -> str:
    """One sentence for ``exc`` raised while ``what`` (e.g. "searching", "saving").

    ``kept`` (e.g. :data:`FORM_KEPT`) says what a failed save leaves as it was.
    """
    from commcentre_tui.repo.locked import database_locked

    if isinstance(exc, CommCentreError):
        return str(exc)
    if type(exc).__name__ == "DatabaseError" and type(exc).__module__.startswith("commcentre_tui"):
        return str(exc)
    log.error("error while %s", what, exc_info=exc)
    if database_failure(exc):
        busy = database_locked(exc) or "locked" in str(exc).lower()
        if kept:
            if busy:
                return (
                    f"The database is busy with another program's changes; {kept} — try again "
                    "in a moment."
                )
            return f"The database is not answering; {kept} — try again."
        if busy:
            return f"The database is busy, so {what} did not finish; try again in a moment."
        return f"The database did not answer while {what}; try again in a moment."
    if kept:
        return f"Something went wrong while {what}; {kept} — the details are in the log."
    return f"Something went wrong while {what}; the details are in the log."


def failure_clause(exc: BaseException, what: str) -> str:
    """Why a background job stopped while ``what``, as a clause for "The … stopped: <clause>."

    The database as :func:`failure_sentence` tells it ("the database is not answering");
    anything else is the first line of the error (at most 200 characters, no final full stop),
    which names the mail server or SMS gateway. A failure that is not a service error is logged
    with its traceback, as :func:`failure_sentence` does.
    """
    if not isinstance(exc, CommCentreError):
        log.error("error while %s", what, exc_info=exc)
    if database_failure(exc):
        return "the database is not answering"
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return first[:200].rstrip(".")
