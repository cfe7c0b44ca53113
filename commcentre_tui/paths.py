"""Where commcentre finds its files.

A **checkout** (the repository, also when installed editable) keeps everything beside the code:
``config.toml`` at the top, the embedded database and the shipped templates under ``data/``.
An **installed package** (a wheel, ``pipx install``, ``uv tool install``) follows the XDG base
directories: the config at ``$XDG_CONFIG_HOME/commcentre/config.toml`` (else the packaged
defaults), the embedded database under ``$XDG_DATA_HOME/commcentre/`` (created 0700), and the
shipped templates and default config as package data under ``commcentre_tui/defaults/``.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The package's own folder, and the folder above it (the checkout's root, in a checkout).
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
#: The documented default config and shipped templates, as the wheel carries them.
PACKAGED_DEFAULTS = PACKAGE_DIR / "defaults"


def in_checkout() -> bool:
    """Whether the code runs from the repository (its ``pyproject.toml`` and ``config.toml``
    beside the package), not from an installed package."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "config.toml").is_file()


def _xdg(variable: str, fallback: str) -> Path:
    base = os.environ.get(variable, "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / fallback
    return root / "commcentre"


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/commcentre/config.toml`` (``~/.config/commcentre/config.toml``)."""
    return _xdg("XDG_CONFIG_HOME", ".config") / "config.toml"


def default_config_path() -> Path | None:
    """The config read when neither ``--config`` nor ``COMMCENTRE_CONFIG`` names one."""
    if in_checkout():
        return PROJECT_ROOT / "config.toml"
    user = user_config_path()
    if user.exists():
        return user
    packaged = PACKAGED_DEFAULTS / "config.toml"
    return packaged if packaged.is_file() else None


def data_dir() -> Path:
    """The folder of the embedded database (and its lock and host-key files)."""
    if in_checkout():
        return PROJECT_ROOT / "data"
    return _xdg("XDG_DATA_HOME", ".local/share")


def default_database_path() -> Path:
    """The embedded SQLite database used when ``[database] url`` is empty."""
    return data_dir() / "commcentre.db"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if missing; a folder this creates is 0700."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask
    return path


def shipped_templates_dir() -> Path:
    """The shipped communication templates (``*.toml``)."""
    if in_checkout():
        return PROJECT_ROOT / "data" / "templates"
    return PACKAGED_DEFAULTS / "templates"


def current_folder_config() -> Path | None:
    """``./config.toml`` when the current folder has one (the checkout's own counts too)."""
    try:
        here = Path.cwd() / "config.toml"
    except OSError:  # the current folder was removed
        return None
    return here if here.is_file() else None
