"""Bounces: delivery status notifications (RFC 3464) for our outgoing emails.

A ``multipart/report; report-type=delivery-status`` message, or a message from a mailer daemon,
is a bounce: :func:`find_bounce` gives the Message-IDs it reports on (from the returned headers)
and the reason (the failed recipient's Status and Diagnostic-Code). Delay and success reports
are bounces that are not failures (``failed`` false): they change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message

from commcentre_tui.text import inert

_MSGID_HEADER = re.compile(r"^message-id:\s*(<[^<>\s]{1,298}>)", re.IGNORECASE | re.MULTILINE)
_DAEMON = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_FIELD = re.compile(
    r"^(action|status|diagnostic-code|final-recipient):\s*(.+)$", re.IGNORECASE | re.MULTILINE
)


@dataclass
class Bounce:
    """A delivery report: what it is about and why it failed."""

    message_ids: list[str] = field(default_factory=list)
    reason: str = ""
    failed: bool = True


def _text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="replace")
    try:
        return part.as_string()
    except Exception:
        return ""


def _fields(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in _FIELD.findall(text):
        found.setdefault(name.lower(), " ".join(value.split()))
    return found


def find_bounce(msg: Message, header: Callable[[Message, str], str]) -> Bounce | None:
    """The bounce ``msg`` is, or ``None`` when it is an ordinary message."""
    report = (
        msg.get_content_type() == "multipart/report"
        and str(msg.get_param("report-type") or "").lower() == "delivery-status"
    )
    sender = header(msg, "From")
    address = re.search(r"[\w.+-]+@[\w.-]+", sender)
    daemon = bool(address and _DAEMON.match(address.group()))
    if not report and not daemon:
        return None
    status_text, returned = "", ""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            subs = part.get_payload()
            if isinstance(subs, list):  # one block of fields per recipient
                status_text += "".join(
                    f"{k}: {v}\n"
                    for sub in subs
                    if isinstance(sub, Message)
                    for k, v in sub.items()
                )
            else:
                status_text += _text(part)
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            sub = part.get_payload()
            if isinstance(sub, list) and sub and isinstance(sub[0], Message):
                returned += "".join(f"{k}: {v}\n" for k, v in sub[0].items())
            else:
                returned += _text(part)
        elif not report and part.get_content_maintype() == "text":
            returned += _text(part)  # a plain-text bounce quotes the headers in its body
    fields = _fields(status_text or returned)
    action = fields.get("action", "failed").lower()
    reason = fields.get("diagnostic-code") or fields.get("status") or header(msg, "Subject")
    recipient = fields.get("final-recipient", "").split(";")[-1].strip()
    text = f"{recipient}: {reason}" if recipient else reason
    ids = list(dict.fromkeys(_MSGID_HEADER.findall(returned)))
    return Bounce(
        message_ids=ids,
        reason=inert(" ".join(text.split()))[:400] or "no reason given",
        failed=action == "failed",
    )
