"""Config sections of the channels: the telephone system (``[cti]``), outgoing email and SMS
(``[email]``, ``[sms]``) and inbound email and SMS (``[inbound]``), and the base of every section.
Secrets of these (passwords, tokens) come only from the environment."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Section(BaseModel):
    """Base for config sections: unknown keys are typos, so they are refused."""

    model_config = ConfigDict(extra="forbid")


class CtiSettings(Section):
    """``[cti]``: Computer Telephony Integration (seed "CTI Settings")."""

    enabled: bool = False
    provider: Literal["asterisk", "listener"] = "asterisk"
    host: str = "127.0.0.1"
    port: int = Field(default=5038, ge=1, le=65535)
    username: str = "commcentre"
    secret: SecretStr = SecretStr("")
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(default=8765, ge=1, le=65535)
    listener_token: SecretStr = SecretStr("")
    """The listener's shared secret (environment only): a PBX sends it as a bearer token or
    signs the body with it (HMAC-SHA256); without it the listener does not start."""
    bridge_url: str = ""
    agent_extension: str = ""
    dial_context: str = "from-internal"
    """Dialplan context click-to-dial (AMI ``Originate``) dials the customer's number in."""
    require_disposition: bool = True
    wrap_up_seconds: int = Field(default=60, ge=0)
    disposition_reasons: list[str] = Field(
        default_factory=lambda: ["Billing", "Technical", "Sales", "Complaint", "Other"]
    )
    disposition_outcomes: list[str] = Field(
        default_factory=lambda: ["Resolved", "Follow-up needed", "Escalated", "No answer"]
    )


class EmailSettings(Section):
    """``[email]``: the SMTP provider."""

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    username: str = ""
    password: SecretStr = SecretStr("")
    sender: str = "Customer Care <care@example.com>"
    starttls: bool = False
    timeout_seconds: float = Field(default=10.0, gt=0)


class SmsSettings(Section):
    """``[sms]``: the HTTP SMS gateway."""

    gateway_url: str = ""
    api_key: SecretStr = SecretStr("")
    sender: str = "CommCentre"
    max_length: int = Field(default=160, ge=1)


class InboundEmailSettings(Section):
    """``[inbound.email]``: the IMAP mailbox ``commcentre inbound`` imports (password from
    ``COMMCENTRE_INBOUND__EMAIL__PASSWORD`` only)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=993, ge=1, le=65535)
    tls: bool = True
    """IMAP over TLS (port 993); false: plain IMAP (loopback or a trusted network only)."""
    user: str = ""
    password: SecretStr = SecretStr("")
    folder: str = "INBOX"
    processed_folder: str = ""
    """Where imported messages are moved; empty: they stay and get the ``$CommCentre`` flag."""
    poll_seconds: float = Field(default=60.0, gt=0)
    """How often to look when the server has no IDLE (with IDLE: how long one IDLE lasts)."""
    batch_size: int = Field(default=200, ge=1, le=5000)
    max_message_bytes: int = Field(default=40_000_000, ge=1000)
    """Larger messages are refused (left on the server, flagged) with the reason logged."""
    max_attachment_bytes: int = Field(default=10_000_000, ge=0)
    """Larger attachments are listed on the communication but not stored."""
    attachments_dir: str = ""
    """Where attachment files go; empty: ``attachments`` in the data folder."""


class InboundSmsSettings(Section):
    """``[inbound.sms]``: SMS posted to ``commcentre inbound``'s webhook (``POST /sms``)."""

    enabled: bool = False
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(default=8767, ge=0, le=65535)
    token: SecretStr = SecretStr("")
    """The gateway's shared secret (environment only: ``COMMCENTRE_INBOUND__SMS__TOKEN``), sent
    as a bearer token or an HMAC-SHA256 body signature, as for the CTI listener."""
    reply_window_hours: float = Field(default=72.0, ge=0)
    """An SMS within this many hours of one of ours to the same number answers it."""


class InboundSettings(Section):
    """``[inbound]``: customers' emails and SMS arriving as incoming communications."""

    unit: str = ""
    """The unit whose queue (My Work) gets an incoming communication that answers nothing an
    agent sent; empty: the customer's own unit."""
    email: InboundEmailSettings = Field(default_factory=InboundEmailSettings)
    sms: InboundSmsSettings = Field(default_factory=InboundSmsSettings)
