"""Delivery channels: email over SMTP, SMS over an HTTP gateway, letters and calls logged only.

Every channel has ``async send(message) -> str`` (the provider's reference) and ``async close()``.
A failure is a :class:`DeliveryError`: ``permanent`` (retrying cannot help, e.g. a refused
recipient) or ``uncertain`` (the message may have been accepted: the connection broke after it
was handed over) — the worker retries neither; other failures are retried with backoff.

**SMS gateway request** (``[sms] gateway_url``)::

    POST <gateway_url>
    Content-Type: application/json
    X-Api-Key: <COMMCENTRE_SMS__API_KEY>          (only when set)

    {"to": "+35799123456", "from": "<[sms] sender>", "text": "…", "reference": "<message id>"}

Any 2xx is accepted (a JSON ``{"id": …}`` answer is kept as the provider reference); 4xx other
than 408/429 is permanent; 408, 429, 5xx and network errors are retried. ``reference`` is unique
per attempt, so a gateway can drop duplicates.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any, Protocol

from commcentre_tui.config import Settings
from commcentre_tui.models.types import utcnow

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A failed delivery, described in one sentence."""

    def __init__(self, message: str, *, permanent: bool = False, uncertain: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.uncertain = uncertain


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to deliver."""

    communication_id: int
    media: str
    recipient: str
    subject: str
    content: str
    message_id: str


class Channel(Protocol):
    async def send(self, message: OutgoingMessage) -> str: ...

    async def close(self) -> None: ...


def sender_domain(sender: str) -> str:
    """The domain of the configured sender address (for Message-IDs)."""
    address = parseaddr(sender)[1]
    return address.rsplit("@", 1)[1] if "@" in address else "commcentre.local"


#: Control characters no header may carry (C0 but tab, DEL, C1): older rows or tag values can
#: hold them though input validation now refuses them.
_HEADER_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
#: In a body: the same, except tab and line breaks.
_BODY_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _header_text(value: str) -> str:
    """A header value on one line without control characters, RFC 2047-encoded when it is not ASCII."""
    value = " ".join(_HEADER_CONTROLS.sub(" ", value).split())
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def _address_header(value: str) -> str:
    name, address = parseaddr(value)
    if not address or "\n" in value or "\r" in value:
        raise DeliveryError(f"{value!r} is not an email address.", permanent=True)
    return formataddr((name, address), charset="utf-8") if name else address


def build_email(message: OutgoingMessage, sender: str) -> bytes:
    """The message as sent: From, To, Subject, Date, Message-ID and a UTF-8 text body.

    Built directly (the ``email`` package's policy machinery costs more than the SMTP exchange);
    ASCII bodies go as 7bit, others as base64.
    """
    body = _BODY_CONTROLS.sub("", message.content).replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    if body.isascii() and all(len(line) < 990 for line in body.split("\n")):
        encoding, payload = "7bit", body.replace("\n", "\r\n").encode("ascii")
    else:
        encoding, payload = (
            "base64",
            base64.encodebytes(body.encode("utf-8")).replace(b"\n", b"\r\n"),
        )
    headers = (
        f"From: {_address_header(sender)}\r\n"
        f"To: {_address_header(message.recipient)}\r\n"
        f"Subject: {_header_text(message.subject)}\r\n"
        f"Date: {format_datetime(utcnow())}\r\n"
        f"Message-ID: {message.message_id}\r\n"
        f"X-CommCentre-Communication: {message.communication_id}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return headers.encode("ascii") + payload


class EmailChannel:
    """SMTP through aiosmtplib, reusing one connection for a whole batch.

    STARTTLS and login come from ``[email]`` (password from ``COMMCENTRE_EMAIL__PASSWORD``).
    """

    def __init__(self, settings: Settings) -> None:
        self.config = settings.email
        self.sender = settings.email.sender
        self.envelope_from = parseaddr(self.sender)[1] or self.sender
        self._smtp: Any = None

    def _where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    async def _connect(self) -> Any:
        import aiosmtplib

        cfg = self.config
        smtp = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            timeout=cfg.timeout_seconds,
            start_tls=cfg.starttls,
            use_tls=False,
        )
        try:
            await smtp.connect()
            password = cfg.password.get_secret_value()
            if cfg.username:
                await smtp.login(cfg.username, password)
        except aiosmtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise DeliveryError(
                f"The mail server {self._where()} refused the login of {cfg.username!r} ({exc.code} {exc.message})."
            ) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            smtp.close()
            raise DeliveryError(
                f"Could not connect to the mail server {self._where()} ({_reason(exc)})."
            ) from None
        return smtp

    async def send(self, message: OutgoingMessage) -> str:
        import aiosmtplib

        data = build_email(message, self.sender)
        reused = self._smtp is not None and self._smtp.is_connected
        if not reused:
            await self.close()
            self._smtp = await self._connect()
        smtp = self._smtp
        try:
            try:
                await smtp.mail(self.envelope_from)
            except aiosmtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                # The idle connection went away before anything was sent: reconnect once.
                await self.close()
                self._smtp = smtp = await self._connect()
                await smtp.mail(self.envelope_from)
            await smtp.rcpt(message.recipient)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            raise DeliveryError(
                f"The mail server refused {message.recipient} ({exc.code} {exc.message}).",
                permanent=exc.code >= 500,
            ) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise DeliveryError(
                f"The mail server {self._where()} failed ({_reason(exc)})."
            ) from None
        try:
            response = await smtp.data(data)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            raise DeliveryError(
                f"The mail server refused the message ({exc.code} {exc.message}).",
                permanent=exc.code >= 500,
            ) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise DeliveryError(
                f"The connection to the mail server broke after the message was handed over ({_reason(exc)}).",
                uncertain=True,
            ) from None
        return f"{response.code} {response.message}"[:200]

    async def _reset(self) -> None:
        try:
            await self._smtp.rset()
        except Exception:  # a broken connection is simply dropped
            await self.close()

    async def close(self) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            if smtp.is_connected:
                await smtp.quit()
        except Exception:
            smtp.close()


class SmsChannel:
    """SMS through the HTTP gateway of ``[sms]``, one keep-alive client for a whole batch."""

    def __init__(self, settings: Settings) -> None:
        self.config = settings.sms
        self._client: Any = None

    async def send(self, message: OutgoingMessage) -> str:
        import httpx

        url = self.config.gateway_url
        if not url:
            raise DeliveryError("No SMS gateway is configured ([sms] gateway_url is empty).")
        if self._client is None:
            headers = {"User-Agent": "commcentre"}
            key = self.config.api_key.get_secret_value()
            if key:
                headers["X-Api-Key"] = key
            self._client = httpx.AsyncClient(headers=headers, timeout=10.0)
        body = {
            "to": message.recipient,
            "from": self.config.sender,
            "text": message.content,
            "reference": message.message_id,
        }
        try:
            response = await self._client.post(url, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise DeliveryError(
                f"Could not reach the SMS gateway {url} ({_reason(exc)})."
            ) from None
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"The SMS gateway did not answer after the message was handed over ({_reason(exc)}).",
                uncertain=True,
            ) from None
        if response.is_success:
            try:
                reply = response.json()
            except ValueError:
                reply = {}
            return (
                str(reply.get("id") or message.message_id)
                if isinstance(reply, dict)
                else message.message_id
            )
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        detail = response.text.strip().replace("\n", " ")[:150]
        raise DeliveryError(
            f"The SMS gateway refused the message (HTTP {response.status_code}{': ' + detail if detail else ''}).",
            permanent=permanent,
        )

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


class LogChannel:
    """Letters, phone calls and chats: nothing to transmit; the record itself is the log."""

    async def send(self, message: OutgoingMessage) -> str:
        log.info(
            "communication %s (%s to %s) logged",
            message.communication_id,
            message.media,
            message.recipient,
        )
        return "logged"

    async def close(self) -> None:
        return None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.rstrip(".")


def default_channels(settings: Settings) -> dict[str, Channel]:
    """Media → channel for a worker."""
    log_only = LogChannel()
    return {
        "email": EmailChannel(settings),
        "sms": SmsChannel(settings),
        "letter": log_only,
        "phone": log_only,
        "chat": log_only,
    }
