"""Inbound tests: a real Dovecot on loopback for the whole session, a fresh folder per test.

Dovecot runs from a throwaway config in a temporary folder (its own base_dir, passwd-file and
maildir, a free 127.0.0.1 port) and is stopped at the end of the session. ``.ci/run`` installs
it when missing; without it (on a laptop, no ``COMMCENTRE_TEST_DATABASE_URL``) these tests skip,
and with that variable set they fail instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from commcentre_tui import models as m
from commcentre_tui.bench.imap_server import LoopbackImap, dovecot_binary
from commcentre_tui.config import Settings, load_settings
from commcentre_tui.repo.db import reading
from tests.comms.conftest import (  # noqa: F401 - fixtures re-used here
    SmtpSink,
    add_customer,
    ctx,
    customer,
    pg_engine,
    smtp_sink,
)
from tests.conftest import TEST_CONFIG

SENDER = "Care <care@commcentre.test>"


@pytest.fixture(scope="session")
def imap() -> Iterator[LoopbackImap]:
    if dovecot_binary() is None:
        if os.environ.get("COMMCENTRE_TEST_DATABASE_URL"):
            pytest.fail("Dovecot is not installed; .ci/run installs dovecot-imapd.")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    server = LoopbackImap().start()
    yield server
    server.stop()


class Mailbox:
    """A fresh IMAP folder of the loopback server, for one test."""

    def __init__(self, server: LoopbackImap) -> None:
        self.server = server
        self.folder = f"T{uuid.uuid4().hex[:10]}"
        client = server.client()
        client.create_folder(self.folder)  # type: ignore[attr-defined]
        client.logout()  # type: ignore[attr-defined]

    def put(self, *messages: bytes) -> None:
        self.server.append(messages, self.folder)

    def flags(self) -> dict[int, tuple[bytes, ...]]:
        client = self.server.client()
        try:
            client.select_folder(self.folder)  # type: ignore[attr-defined]
            return dict(client.get_flags(client.search()))  # type: ignore[attr-defined]
        finally:
            client.logout()  # type: ignore[attr-defined]


@pytest.fixture
def mailbox(imap: LoopbackImap) -> Mailbox:
    return Mailbox(imap)


def inbound_settings(imap: LoopbackImap, folder: str, tmp_path: Path, **email: Any) -> Settings:
    """The test config importing ``folder`` of the loopback server (password from the
    environment, as in use: the ``inbound_env`` fixture sets it)."""
    return load_settings(
        TEST_CONFIG,
        email={"sender": SENDER},
        inbound={
            "email": {
                "enabled": True,
                "host": "127.0.0.1",
                "port": imap.port,
                "tls": False,
                "user": imap.user,
                "folder": folder,
                "poll_seconds": 0.2,
                "attachments_dir": str(tmp_path / "attachments"),
                **email,
            }
        },
    )


@pytest.fixture
def inbound_env(imap: LoopbackImap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMCENTRE_INBOUND__EMAIL__PASSWORD", imap.password)


@pytest.fixture
def make_inbound(imap: LoopbackImap, mailbox: Mailbox, tmp_path: Path, inbound_env: None) -> Any:
    def make(**email: Any) -> Settings:
        return inbound_settings(imap, mailbox.folder, tmp_path, **email)

    return make


def email_bytes(
    sender: str,
    subject: str = "Hello",
    body: str | None = "Hello there.",
    *,
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    """A message as a mail client sends it."""
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = "care@commcentre.test"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="customer.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    if body is not None:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    for filename, kind, data in attachments:
        maintype, subtype = kind.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def incoming(engine: Engine) -> list[m.Communication]:
    """Every incoming communication, oldest first."""
    with reading(engine) as session:
        return list(
            session.execute(
                select(m.Communication)
                .where(m.Communication.direction == "incoming")
                .order_by(m.Communication.id)
            ).scalars()
        )


def inbound_rows(engine: Engine) -> list[m.InboundMessage]:
    with reading(engine) as session:
        return list(
            session.execute(select(m.InboundMessage).order_by(m.InboundMessage.id)).scalars()
        )
