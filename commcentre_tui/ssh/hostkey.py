"""The SSH server's host key: generated on first start, kept private (mode 0600), reused after."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

from commcentre_tui.paths import data_dir, ensure_private_dir

#: Default place for the host key: the data folder (``data/`` of a checkout, git-ignored for
#: ``ssh_host_key*``; ``$XDG_DATA_HOME/commcentre`` when installed).
DEFAULT_HOST_KEY_PATH = data_dir() / "ssh_host_key"


def load_or_create_host_key(path: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The private host key at ``path`` (created as Ed25519 if missing) and whether it was new."""
    path = Path(path)
    if path.exists():
        try:
            return asyncssh.read_private_key(str(path)), False
        except (asyncssh.KeyImportError, OSError, ValueError) as exc:
            raise OSError(f"Cannot read the SSH host key {path}: {exc}") from None
    ensure_private_dir(path.parent)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="commcentre host key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key())
    Path(f"{path}.pub").write_bytes(key.export_public_key())
    return key, True
