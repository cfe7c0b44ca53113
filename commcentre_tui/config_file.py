"""Which config file is read and whether it may be: the lookup order and the file checks that
run before pydantic reads it (unreadable TOML, secrets written into the file)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from commcentre_tui.paths import current_folder_config, default_config_path

#: The documented default configuration (beside the code in a checkout; installed: XDG, else the
#: packaged defaults).
DEFAULT_CONFIG_PATH = default_config_path()

#: Settings that are secrets: only ever from the environment (``COMMCENTRE_<SECTION>__<KEY>``).
SECRET_KEYS = (
    ("email", "password"),
    ("cti", "secret"),
    ("cti", "listener_token"),
    ("sms", "api_key"),
    ("inbound.email", "password"),
    ("inbound.sms", "token"),
)


class ConfigError(Exception):
    """A configuration problem, described in one sentence for the agent or operator."""


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to read: ``--config``, else ``COMMCENTRE_CONFIG``, else a
    ``config.toml`` in the current folder, else the checkout's ``config.toml`` (installed:
    ``$XDG_CONFIG_HOME/commcentre/config.toml``, else the packaged defaults). A file named
    explicitly must exist; any file found is checked in full, so a broken one is an error
    naming it, never silently passed over."""
    chosen = explicit or os.environ.get("COMMCENTRE_CONFIG")
    if chosen:
        return Path(chosen)
    here = current_folder_config()
    if here is not None:
        return here
    return (
        DEFAULT_CONFIG_PATH
        if DEFAULT_CONFIG_PATH is not None and DEFAULT_CONFIG_PATH.exists()
        else None
    )


def check_file(path: Path) -> None:
    """Refuse unreadable TOML and secrets written into the file."""
    if not path.exists():
        raise ConfigError(f"The config file {path} does not exist.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML (it is not UTF-8 text).") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path} ({exc.strerror or exc}).") from None
    for section, key in SECRET_KEYS:
        table: object = data
        for part in section.split("."):
            table = table.get(part, {}) if isinstance(table, dict) else {}
        if isinstance(table, dict) and key in table:
            env = f"COMMCENTRE_{section.upper().replace('.', '__')}__{key.upper()}"
            raise ConfigError(
                f"{path}: {section}.{key} is a secret; remove it from the file and set {env} instead."
            )
