"""Logging for commcentre's processes (``[logging]`` in config, ``--log-level``).

The long-running processes (console, worker, cti-bridge, serve-ssh) call :func:`setup_logging`:
a rotating file ``<process>.log`` in ``logs/`` under the data folder, or stderr when systemd runs
the process (its journal keeps the lines). The command line wraps every command in
:func:`logging_scope`, which sends Python warnings (a library's ``DeprecationWarning``) to the
log instead of the user's terminal and removes what was installed when the command ends.
Every line passes :class:`RedactingFormatter`, which masks the values of the secret settings.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commcentre_tui.config import Settings

#: Marks the handlers this module installs, so that they (and only they) are removed again.
_MARK = "_commcentre_handler"
#: Secret values shorter than this are not masked (masking "ab" would garble every line).
MIN_SECRET_LENGTH = 4
#: Environment variables whose values are secrets, besides the known settings.
_SECRET_ENV = re.compile(r"^COMMCENTRE_.*(PASSWORD|SECRET|TOKEN|API_KEY)$", re.IGNORECASE)
MASK = "***"
LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class LogTarget:
    """Where this process logs: ``destination`` is ``file``, ``stderr`` or ``off``."""

    destination: str
    path: Path | None = None


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces each known secret value in the finished line with ``***``."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, MASK)
        return line


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file readable by its owner only (it names customers and agents)."""

    def _open(self):  # type: ignore[no-untyped-def]  # overrides logging's untyped private _open
        stream = super()._open()
        with contextlib.suppress(OSError):
            os.chmod(self.baseFilename, 0o600)
        return stream


def secret_values(settings: Settings) -> list[str]:
    """The values to mask: the secret settings, the database URL's password, and any
    ``COMMCENTRE_…PASSWORD|SECRET|TOKEN|API_KEY`` environment variable."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from commcentre_tui.config_file import SECRET_KEYS

    values = []
    for section, key in SECRET_KEYS:
        holder: object = settings
        for part in section.split("."):
            holder = getattr(holder, part)
        values.append(getattr(holder, key).get_secret_value())
    with contextlib.suppress(ArgumentError, ValueError):
        password = make_url(settings.database.resolved_url()).password
        if password:
            values.append(str(password))
    values += [value for name, value in os.environ.items() if _SECRET_ENV.match(name)]
    return [value for value in values if value]


def under_systemd() -> bool:
    """Whether stderr is the systemd journal (``JOURNAL_STREAM`` names stderr's device:inode)."""
    device, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        st = os.fstat(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return f"{st.st_dev}:{st.st_ino}" == f"{device}:{inode}"


def log_folder(settings: Settings) -> Path:
    """``[logging] directory``, else ``logs`` in the data folder."""
    from commcentre_tui.paths import data_dir

    folder = settings.logging.directory.strip()
    return Path(folder).expanduser() if folder else data_dir() / "logs"


def file_stem(process: str) -> str:
    """A safe file name for ``process`` (``console-maria``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", process).strip("._") or "commcentre"


def setup_logging(settings: Settings, process: str, level: str | None = None) -> LogTarget:
    """Send this process's log lines where ``[logging]`` says; returns where they go.

    ``process`` names the file (``worker`` → ``worker.log``); a name starting with ``console``
    always logs to a file, since the console's terminal is the agent's screen. ``level``
    (``--log-level``) overrides ``[logging] level``.
    """
    from commcentre_tui import __version__
    from commcentre_tui.paths import ensure_private_dir

    config = settings.logging
    _remove_handlers()
    destination = config.destination
    if destination == "auto":
        destination = "stderr" if under_systemd() else "file"
    if process.startswith("console") and destination == "stderr":
        destination = "file"
    if destination == "off":
        return LogTarget("off")
    secrets = secret_values(settings)
    path: Path | None = None
    handler: logging.Handler
    if destination == "file":
        folder = ensure_private_dir(log_folder(settings))
        path = folder / f"{file_stem(process)}.log"
        handler = _PrivateRotatingFileHandler(
            path, maxBytes=config.max_bytes, backupCount=config.backup_count, encoding="utf-8"
        )
        fmt = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"
    else:
        handler = logging.StreamHandler(sys.stderr)
        # The journal stamps each line itself.
        fmt = (
            "%(levelname)s %(name)s: %(message)s"
            if under_systemd()
            else "%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    handler.setFormatter(RedactingFormatter(fmt, secrets))
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel((level or config.level).upper())
    logging.getLogger("commcentre").info(
        "commcentre %s %s started (pid %d, log level %s)",
        __version__,
        process,
        os.getpid(),
        (level or config.level).lower(),
    )
    return LogTarget(destination, path)


@contextlib.contextmanager
def logging_scope() -> Iterator[None]:
    """Around one command: Python warnings go to the log (or nowhere), never to the terminal;
    on the way out every handler :func:`setup_logging` installed is closed and removed."""
    root = logging.getLogger()
    level = root.level
    warnings_logger = logging.getLogger("py.warnings")
    quiet = logging.NullHandler()
    setattr(quiet, _MARK, True)
    warnings_logger.addHandler(quiet)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        _remove_handlers()
        warnings_logger.removeHandler(quiet)
        root.setLevel(level)


def _remove_handlers() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()
