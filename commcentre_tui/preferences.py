"""Per-agent console preferences kept between sessions (the chosen theme), without a migration:
one small JSON file per agent under the data folder (``data/preferences/<agent>.json`` in a
checkout; ``[ui] preferences_dir`` moves it). Reading or writing never disturbs the agent: a
missing, unreadable or unwritable file is simply no preference.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from commcentre_tui.paths import data_dir, ensure_private_dir


def preferences_dir(configured: str = "") -> Path:
    """``[ui] preferences_dir``, else ``preferences`` in the data folder."""
    return Path(configured).expanduser() if configured else data_dir() / "preferences"


def _file(folder: Path, username: str) -> Path:
    # A user name is a file name only in a safe alphabet; anything else is spelt in hex.
    safe = (
        username
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", username)
        else ("x-" + username.encode().hex()[:120])
    )
    return folder / f"{safe}.json"


def load(folder: Path, username: str) -> dict[str, Any]:
    """The agent's saved preferences (``{}`` when there are none)."""
    try:
        data = json.loads(_file(folder, username).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(folder: Path, username: str, **values: Any) -> bool:
    """Merge ``values`` into the agent's preferences (written whole, then renamed into place,
    so a crash never leaves half a file); ``False`` when it could not be written."""
    try:
        ensure_private_dir(folder)
        target = _file(folder, username)
        data = {**load(folder, username), **values}
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        return False
    return True
