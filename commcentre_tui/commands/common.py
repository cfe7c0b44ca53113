"""What commands share: settings from flags, opening the database, identity, error handling."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from commcentre_tui.config import Settings, load_settings
from commcentre_tui.config_file import ConfigError
from commcentre_tui.errors import CommCentreError, NotAllowed, NotFound, ValidationFailed


def common_parent() -> argparse.ArgumentParser:
    """A parent parser giving a command ``--config`` and ``--database``."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: COMMCENTRE_CONFIG, else the one `commcentre config path` names)",
    )
    parent.add_argument(
        "--database",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL, overriding [database] url",
    )
    add_log_level(parent)
    return parent


def add_log_level(parser: argparse.ArgumentParser) -> None:
    """``--log-level``, overriding ``[logging] level`` (a global option)."""
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        type=str.lower,
        default=argparse.SUPPRESS,
        help="how much the log keeps, overriding [logging] level",
    )


def start_logging(args: argparse.Namespace, settings: Settings, process: str) -> Any:
    """Log this long-running process as ``[logging]`` and ``--log-level`` say (see
    :mod:`commcentre_tui.logging_setup`); returns the :class:`LogTarget`."""
    from commcentre_tui.logging_setup import setup_logging

    return setup_logging(settings, process, getattr(args, "log_level", None))


def fail(message: str, code: int = 2) -> int:
    """Print one sentence on stderr and return ``code``."""
    sys.stderr.write(f"commcentre: {message}\n")
    return code


def guarded(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command, turning known errors into one sentence and an exit code."""
    from sqlalchemy.exc import OperationalError

    from commcentre_tui.repo.db import DatabaseError
    from commcentre_tui.repo.locked import database_locked

    try:
        return run(args)
    except (ConfigError, ValidationFailed) as exc:
        return fail(str(exc), 2)
    except (DatabaseError, NotAllowed, NotFound, CommCentreError) as exc:
        return fail(str(exc), 1)
    except OperationalError as exc:  # the database went away or stayed locked mid-command
        if database_locked(exc):
            return fail(
                "The database stayed busy with other agents' changes; nothing more was "
                "saved — run the command again.",
                1,
            )
        return fail(
            "The database stopped answering; nothing more was saved — run the command "
            "again when it is back.",
            1,
        )
    except KeyboardInterrupt:
        return 130


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings for this run: file < environment < the command-line flags."""
    database = getattr(args, "database", None)
    if database:
        overrides.setdefault("database", {})["url"] = database
    return load_settings(getattr(args, "config", None), **overrides)


def open_database(settings: Settings, *, create_demo: bool = False, check: bool = True) -> Any:
    """An engine on the configured database.

    With ``create_demo`` and the embedded SQLite file missing, the schema is created and the demo
    data loaded (said once on stderr). With ``check``, a schema older than this version is refused.
    """
    from commcentre_tui.config import DEFAULT_DATABASE_PATH
    from commcentre_tui.paths import ensure_private_dir
    from commcentre_tui.repo.db import make_engine
    from commcentre_tui.repo.migrate import check_current, upgrade

    url = settings.database.resolved_url()
    if not settings.database.url:  # the embedded database: its folder is private (0700)
        ensure_private_dir(DEFAULT_DATABASE_PATH.parent)
    if create_demo and not settings.database.url and not DEFAULT_DATABASE_PATH.exists():
        engine = make_engine(url, echo=settings.database.echo)
        try:
            upgrade(engine)
            from commcentre_tui.services.demo import seed_demo

            summary = seed_demo(engine, settings)
        except BaseException:
            engine.dispose()
            DEFAULT_DATABASE_PATH.unlink(missing_ok=True)
            raise
        sys.stderr.write(f"Created the demo database {DEFAULT_DATABASE_PATH} with {summary}.\n")
        return engine
    engine = make_engine(url, echo=settings.database.echo)
    if check:
        check_current(engine)
    return engine


def os_username() -> str:
    """The operating-system user running this process."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "")


def resolve_actor(engine: Any, settings: Settings, username: str | None) -> Any:
    """The acting agent: ``--agent``, else ``COMMCENTRE_AGENT``, else the OS user."""
    from commcentre_tui.repo.actor_lookup import actor_for

    name = username or os.environ.get("COMMCENTRE_AGENT") or os_username()
    return actor_for(engine, settings, name)


def not_yet(name: str, issue: str) -> Callable[[argparse.Namespace], int]:
    """A ``run`` for a command whose issue has not landed yet."""

    def run(_args: argparse.Namespace) -> int:
        return fail(f"`commcentre {name}` is not yet available ({issue}).", 2)

    return run
