"""The console-bridge wire format: protocol constants, the bridge URL and JSON line encoding."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from commcentre_tui.cti.events import CtiError

PROTOCOL = 1
LINE_LIMIT = 64 * 1024
DEFAULT_PORT = 8766


def parse_bridge_url(url: str) -> tuple[str, int]:
    """``("10.0.0.5", 8766)`` from ``tcp://10.0.0.5:8766`` (or ``10.0.0.5:8766``)."""
    text = url.strip()
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    if parts.scheme != "tcp" or not parts.hostname:
        raise CtiError(f"The bridge URL {url!r} must look like tcp://host:port.")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise CtiError(f"The bridge URL {url!r} has an invalid port.") from None
    return parts.hostname, port


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()
