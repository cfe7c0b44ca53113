"""An incoming email's bytes → what the import needs, or :class:`Refused` with a reason.

The standard library's ``email`` package reads the MIME (``compat32``: headers stay raw until
asked for, which makes a 10,000-message import several times faster than ``policy.default``'s
header objects); headers are decoded here (encoded words in any charset, an unknown one with
its bytes replaced), never raising; every text made inert where it enters (:mod:`commcentre_tui.text`): control characters become
visible, subjects and names stay on one line. Plain text is preferred; an HTML-only message is
converted to text (:mod:`.html_text`). Attachments come back with their bytes, or none when over
the cap.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email import policy
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr
from typing import Any

from commcentre_tui.comms.inbound.dsn import Bounce, find_bounce
from commcentre_tui.comms.inbound.html_text import html_to_text
from commcentre_tui.text import inert, inert_lines

#: The longest subject and content kept (the columns' limits; content: the communications cap).
SUBJECT_MAX = 300
MESSAGE_ID_MAX = 300
_MSGID = re.compile(r"<[^<>\s]{1,298}>")


class Refused(Exception):
    """The message is not imported; the message is the reason (logged and counted)."""


@dataclass
class Attachment:
    """One attachment: ``data`` is ``None`` when it was over the cap (``note`` says so)."""

    filename: str
    content_type: str
    size: int
    data: bytes | None
    note: str | None = None


@dataclass
class ParsedEmail:
    """What the import takes from one message."""

    sender: str
    """The From address (as written; normalised when matched)."""
    sender_name: str
    subject: str
    content: str
    message_id: str | None
    reply_ids: list[str] = field(default_factory=list)
    """In-Reply-To then References, nearest first."""
    attachments: list[Attachment] = field(default_factory=list)
    html_only: bool = False
    recipients: int = 0
    bounce: Bounce | None = None


def _decode_words(raw: str) -> str:
    """RFC 2047 encoded words decoded (any charset; an unknown one has its bytes replaced)."""
    if "=?" not in raw:
        return raw
    try:
        chunks = decode_header(raw)
    except Exception:
        return raw
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        try:
            out.append(chunk.decode(charset or "ascii", errors="replace"))
        except LookupError:
            out.append(chunk.decode("utf-8", errors="replace"))
    return "".join(out)


def _raw(msg: Message, name: str) -> str:
    """A header's undecoded text ("" when absent); bytes that are not ASCII become U+FFFD."""
    value = msg.get(name)
    if value is None:
        return ""
    if isinstance(value, Header):
        value = str(value)
    return str(value)


def _header(msg: Message, name: str) -> str:
    """A header's decoded text ("" when absent); never raises."""
    try:
        return _decode_words(_raw(msg, name))
    except Exception:
        return ""


def _one_line(value: str, most: int) -> str:
    return inert(" ".join(value.split()))[:most]


def _sender(msg: Message) -> tuple[str, str]:
    raw = _raw(msg, "From")
    try:
        addresses = [a for a in getaddresses([raw]) if a[1]]
    except Exception:
        addresses = []
    name, address = addresses[0] if addresses else parseaddr(raw)
    name = _decode_words(name)
    address = address.strip()
    if (
        not address
        or "@" not in address
        or any(not ch.isprintable() or ch.isspace() for ch in address)
    ):
        raise Refused("it has no usable sender (From) address")
    return address[:254], _one_line(name, 200)


def _message_ids(value: str) -> list[str]:
    return _MSGID.findall(value)


def _decoded(part: Message) -> str:
    """A text part's content as ``str``, whatever its (possibly unknown) charset."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset() or "utf-8"
        return payload.decode(charset, errors="replace")
    except (LookupError, ValueError):
        return payload.decode("utf-8", errors="replace")


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";", 1)[0].strip().lower()
    return disposition == "attachment" or bool(
        part.get_param("name") or part.get_param("filename", header="content-disposition")
    )


def _body(msg: Message) -> tuple[str, bool, Any]:
    """(text, html_only, the part it came from): the first plain-text part, else the first HTML
    one (attachments excluded)."""
    plain = html = None
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text" or _is_attachment(part):
            continue
        subtype = part.get_content_subtype()
        if subtype == "plain" and plain is None:
            plain = part
        elif subtype == "html" and html is None:
            html = part
        if plain is not None:
            break
    if plain is not None:
        return _decoded(plain), False, plain
    if html is not None:
        return html_to_text(_decoded(html)), True, html
    return "", False, None


def _filename(part: Message) -> str:
    try:
        name = _decode_words(part.get_filename() or "")
    except Exception:
        name = ""
    return _one_line(name, 255) or "attachment"


def _attachments(msg: Message, body_part: Any, cap: int) -> list[Attachment]:
    found: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart() or part is body_part:
            continue
        maintype = part.get_content_maintype()
        if maintype == "text" and not _is_attachment(part):
            continue  # an alternative or inline text body
        if maintype == "message" or part.get_content_type() == "text/rfc822-headers":
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:
            data = b""
        if not isinstance(data, bytes):
            data = b""
        kind = _one_line(part.get_content_type(), 100)
        if len(data) > cap:
            found.append(
                Attachment(
                    _filename(part),
                    kind,
                    len(data),
                    None,
                    f"not stored: {len(data):,} bytes is over the {cap:,}-byte attachment limit",
                )
            )
        else:
            found.append(Attachment(_filename(part), kind, len(data), data))
    return found


def parse_email(
    raw: bytes, *, max_attachment_bytes: int, content_max: int = 100_000
) -> ParsedEmail:
    """The message in ``raw``; :class:`Refused` when it cannot become a communication."""
    try:
        msg = email.message_from_bytes(raw, policy=policy.compat32)
    except Exception as exc:  # the parser is lenient; this is a last resort
        raise Refused(f"it is not a readable email ({type(exc).__name__})") from None
    message_ids = _message_ids(_raw(msg, "Message-ID"))
    message_id = message_ids[0][:MESSAGE_ID_MAX] if message_ids else None
    bounce = find_bounce(msg, _header)
    if bounce is not None:
        return ParsedEmail(
            sender="",
            sender_name="",
            subject=_one_line(_header(msg, "Subject"), SUBJECT_MAX),
            content="",
            message_id=message_id,
            bounce=bounce,
        )
    sender, sender_name = _sender(msg)
    try:
        text, html_only, body_part = _body(msg)
    except Exception as exc:
        raise Refused(f"its body could not be read ({type(exc).__name__})") from None
    reply_ids = _message_ids(_raw(msg, "In-Reply-To"))
    reply_ids += [m for m in reversed(_message_ids(_raw(msg, "References"))) if m not in reply_ids]
    recipients = sum(len(getaddresses([_raw(msg, name)])) for name in ("To", "Cc"))
    content = inert_lines(
        text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    ).strip()
    if len(content) > content_max:
        content = (
            content[:content_max].rstrip() + "\n[… cut: the message was longer than the limit]"
        )
    return ParsedEmail(
        sender=sender,
        sender_name=sender_name,
        subject=_one_line(_header(msg, "Subject"), SUBJECT_MAX),
        content=content,
        message_id=message_id,
        reply_ids=reply_ids[:50],
        attachments=_attachments(msg, body_part, max_attachment_bytes),
        html_only=html_only,
        recipients=recipients,
    )
