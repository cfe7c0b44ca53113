"""SQLite's "database is locked": recognising it, and retrying a whole transaction on it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy.exc import OperationalError

F = TypeVar("F", bound=Callable[..., Any])

#: Times a transaction is tried when SQLite's write lock stays taken past ``busy_timeout``
#: (each try waits that long): a background writer waits its turn instead of dying under load.
LOCKED_TRIES = 12


def database_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked": the write lock stayed taken past ``busy_timeout``."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def retry_when_locked(func: F) -> F:
    """Run ``func`` (one whole transaction, rolled back on failure) again while SQLite says the
    database is locked, up to :data:`LOCKED_TRIES` times."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, LOCKED_TRIES + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if attempt == LOCKED_TRIES or not database_locked(exc):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    return cast(F, run)
