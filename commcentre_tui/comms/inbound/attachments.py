"""Attachment files of incoming emails: stored by content (SHA-256) under one folder.

A file is written (to a temporary name, then renamed) **before** the transaction that records
it, so a crash leaves at most an unreferenced file, never a row without its file; the same
content is stored once. Files are only kept, never opened or run.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from commcentre_tui.comms.inbound.mime import Attachment
from commcentre_tui.repo.inbound_types import StoredAttachment


def attachments_folder(configured: str) -> Path:
    """``[inbound.email] attachments_dir``, else ``attachments`` in the data folder."""
    if configured:
        return Path(configured).expanduser()
    from commcentre_tui.config import DEFAULT_DATABASE_PATH

    return DEFAULT_DATABASE_PATH.parent / "attachments"


def store(folder: Path, attachment: Attachment) -> StoredAttachment:
    """Write ``attachment``'s bytes (unless over the cap) and describe it for the record."""
    if attachment.data is None:
        return StoredAttachment(
            attachment.filename, attachment.content_type, attachment.size, note=attachment.note
        )
    digest = hashlib.sha256(attachment.data).hexdigest()
    relative = f"{digest[:2]}/{digest}"
    target = folder / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(attachment.data)
            os.chmod(temp, 0o600)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    return StoredAttachment(
        attachment.filename,
        attachment.content_type,
        attachment.size,
        sha256=digest,
        stored_path=relative,
        note=attachment.note,
    )
