"""One delivery worker at a time on SQLite: an OS file lock beside the database."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import Engine


class WorkerBusy(Exception):
    """Another worker already delivers for this SQLite database."""


class SingleWorkerLock:
    """One worker at a time per SQLite database: an exclusive ``flock`` on ``<db>.worker.lock``.

    The kernel drops the lock when its process dies, so a crashed worker never blocks the next
    one. PostgreSQL needs no lock (workers share the queue with ``SKIP LOCKED``): a no-op there.
    """

    _memory_lock = threading.Lock()

    def __init__(self, engine: Engine) -> None:
        self.path: Path | None = None
        self._fd: int | None = None
        self._memory = False
        if engine.dialect.name == "sqlite":
            database = engine.url.database
            if database and database != ":memory:":
                self.path = Path(database).resolve().with_name(Path(database).name + ".worker.lock")
            else:
                self._memory = True

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock without waiting (again: a no-op); ``False`` if another worker holds it."""
        if self.held:
            return True
        if self._memory:
            return self._memory_lock.acquire(blocking=False) and self._mark_memory()
        if self.path is None:
            return True
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no cross-process lock available
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # private, like the database
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def _mark_memory(self) -> bool:
        self._fd = -1
        return True

    def holder(self) -> str:
        """Who holds it, for messages (``pid 1234``), when known."""
        if self.path is None or not self.path.exists():
            return "another worker"
        pid = self.path.read_text(errors="replace").strip()
        return f"the worker with pid {pid}" if pid.isdigit() else "another worker"

    def busy_message(self) -> str:
        return (
            f"{self.holder().capitalize()} is already delivering for this SQLite database; "
            "SQLite allows one worker at a time (use PostgreSQL for several)."
        )

    def release(self) -> None:
        """Give the lock back (also happens when the process exits)."""
        if self._fd is None:
            return
        if self._memory:
            self._memory_lock.release()
        else:
            os.close(self._fd)
        self._fd = None
