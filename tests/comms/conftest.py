"""Loopback SMTP and HTTP sinks, and small data builders, for the communications tests."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult
from sqlalchemy import Engine, select

from commcentre_tui import models as m
from commcentre_tui.config import Settings, load_settings
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.context import ServiceContext

TEST_CONFIG = Path(__file__).resolve().parents[1] / "config.test.toml"
WAIT = 60.0
"""Safety-net timeout (seconds) for waits on conditions; never a synchronisation sleep."""


class SmtpSink:
    """A real SMTP server (aiosmtpd) on an ephemeral loopback port, on its own loop and thread.

    ``hold_at=N`` makes the N-th message hang after it was received (before "250 OK"), until
    :meth:`release`: the server has the message but the sender never hears so.
    """

    def __init__(
        self, hold_at: int | None = None, credentials: tuple[str, str] | None = None
    ) -> None:
        self.credentials = credentials
        self.logins: list[str] = []
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.hold_at = hold_at
        self.cond = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self._release: asyncio.Event | None = None
        self.held = threading.Event()
        started = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        self.thread.start()
        assert started.wait(WAIT), "SMTP sink did not start"

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self._release = asyncio.Event()
        options: dict[str, Any] = {}
        if self.credentials:
            options = {"auth_require_tls": False, "authenticator": self._authenticate}
        server = self.loop.run_until_complete(
            self.loop.create_server(
                lambda: SMTP(self, hostname="sink.test", **options), "127.0.0.1", 0
            )
        )
        self.server = server
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        login, password = data.login.decode(), data.password.decode()
        ok = (login, password) == self.credentials
        if ok:
            self.logins.append(login)
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.cond:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            count = len(self.messages)
            self.cond.notify_all()
        if self.hold_at is not None and count == self.hold_at:
            self.held.set()
            assert self._release is not None
            await self._release.wait()
        return "250 Message accepted for delivery"

    async def handle_RCPT(
        self,
        server: Any,
        session: Any,
        envelope: Any,
        address: str,  # noqa: N802
        rcpt_options: list[str],
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def release(self) -> None:
        assert self._release is not None
        self.loop.call_soon_threadsafe(self._release.set)

    def wait_for(self, count: int, timeout: float = WAIT) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.messages) >= count, timeout)

    def message_ids(self) -> list[str]:
        with self.cond:
            return [str(msg["Message-ID"]) for msg in self.messages]

    def communication_ids(self) -> list[int]:
        with self.cond:
            return [int(msg["X-CommCentre-Communication"]) for msg in self.messages]

    def close(self) -> None:
        self.release()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)


class HttpSink:
    """A loopback HTTP server recording JSON POSTs (the SMS gateway), answering ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = status
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                )
                reply = json.dumps({"id": f"gw-{len(sink.requests)}"}).encode()
                self.send_response(sink.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def sms_sink() -> Iterator[HttpSink]:
    sink = HttpSink()
    yield sink
    sink.close()


def comms_settings(*, smtp_port: int = 1, sms_url: str = "", **worker: Any) -> Settings:
    """The test config pointed at the sinks (``smtp_port=1``: nothing listens there)."""
    return load_settings(
        TEST_CONFIG,
        email={
            "host": "127.0.0.1",
            "port": smtp_port,
            "sender": "Care <care@commcentre.test>",
            "timeout_seconds": 5,
        },
        sms={"gateway_url": sms_url, "sender": "CommCentre"},
        worker={"backoff_seconds": 0, "max_attempts": 3, "batch_size": 20, **worker},
    )


@pytest.fixture
def ctx(engine: Engine, settings: Settings, admin_actor: Actor) -> ServiceContext:
    return ServiceContext(engine=engine, settings=settings, actor=admin_actor)


def add_customer(
    engine: Engine,
    n: int,
    *,
    first: str = "Maria",
    last: str = "Georgiou",
    email: str | None = "auto",
    phone: str | None = "auto",
    language: str = "en",
    overdue: bool = False,
    opt_out: str | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """A contact with an email, a mobile, an account, a subscription and (``overdue``) a bill
    past due; returns the ids."""
    today = today or date.today()
    with transaction(engine) as session:
        contact = m.Contact(
            customer_number=f"C{n:07d}",
            first_name=first,
            last_name=last,
            preferred_language=language,
        )
        if opt_out:
            setattr(contact, f"{opt_out}_opt_out", True)
        session.add(contact)
        session.flush()
        if email:
            session.add(
                m.ContactEmail(
                    contact_id=contact.id,
                    is_primary=True,
                    address=f"customer{n}@example.com" if email == "auto" else email,
                )
            )
        if phone:
            number = f"+3579910{n:04d}" if phone == "auto" else phone
            session.add(
                m.ContactPhone(contact_id=contact.id, number=number, e164=number, is_primary=True)
            )
        session.add(
            m.ContactAddress(
                contact_id=contact.id,
                street="1 Main St",
                city="Nicosia",
                postal_code="1000",
                country="Cyprus",
                is_primary=True,
            )
        )
        account = m.Account(contact_id=contact.id, number=f"A{n:08d}", balance=Decimal("45.90"))
        session.add(account)
        session.flush()
        sub = m.Subscription(
            account_id=account.id, number=f"S{n:08d}", start_date=today - timedelta(days=90)
        )
        session.add(sub)
        session.flush()
        product = session.execute(
            select(m.Product).where(m.Product.code == "BB100")
        ).scalar_one_or_none()
        if product is None:
            product = m.Product(code="BB100", name="Broadband 100", price=Decimal("30.00"))
            session.add(product)
            session.flush()
        session.add(
            m.SubscriptionService(
                subscription_id=sub.id,
                product_id=product.id,
                price=product.price,
                start_date=sub.start_date,
            )
        )
        ids = {"contact": contact.id, "account": account.id, "subscription": sub.id}
        if overdue:
            bill = m.Bill(
                account_id=account.id,
                subscription_id=sub.id,
                number=f"B{n:09d}",
                period_start=today - timedelta(days=60),
                period_end=today - timedelta(days=31),
                bill_date=today - timedelta(days=30),
                due_date=today - timedelta(days=5),
                subtotal=Decimal("38.57"),
                tax=Decimal("7.33"),
                amount=Decimal("45.90"),
            )
            session.add(bill)
            session.flush()
            ids["bill"] = bill.id
    return ids  # type: ignore[return-value]


@pytest.fixture
def customer(engine: Engine) -> Any:
    """``customer(n, **options)`` → ids of a new customer (see :func:`add_customer`)."""
    return lambda n, **options: add_customer(engine, n, **options)


@pytest.fixture
def make_settings() -> Any:
    """``make_settings(smtp_port=…, sms_url=…, **worker)`` → Settings aimed at the sinks."""
    return comms_settings


@pytest.fixture
def sink_factory() -> Iterator[Any]:
    """``sink_factory(hold_at=N)`` → a started :class:`SmtpSink`, closed after the test."""
    sinks: list[SmtpSink] = []

    def make(**options: Any) -> SmtpSink:
        sinks.append(SmtpSink(**options))
        return sinks[-1]

    yield make
    for sink in sinks:
        sink.close()


@pytest.fixture
def pg_engine(pg_database: str) -> Iterator[Engine]:
    """A PostgreSQL engine on the session's test database, emptied (tests about PostgreSQL only)."""
    from commcentre_tui.repo.db import make_engine

    eng = make_engine(pg_database)
    with eng.begin() as conn:
        tables = (
            conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
            .scalars()
            .all()
        )
        conn.exec_driver_sql(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    yield eng
    eng.dispose()


def queue_emails(engine: Engine, contact_id: int, count: int, *, media: str = "email") -> list[int]:
    """``count`` completed outgoing messages with their queue entries (the bulk outbox path)."""
    from commcentre_tui.models.types import utcnow
    from commcentre_tui.repo.outbox_writes import enqueue, insert_communications

    now = utcnow()
    rows = [
        {
            "contact_id": contact_id,
            "direction": "outgoing",
            "media": media,
            "subject": f"Message {i}",
            "content": f"Body {i}",
            "recipient": "customer@example.com" if media == "email" else "+35799100001",
            "state": "completed",
            "delivery": "queued",
            "completed_at": now,
        }
        for i in range(count)
    ]
    with transaction(engine) as session:
        ids = insert_communications(session, rows, now)
        enqueue(session, ids, now)
    return ids


@pytest.fixture
def queue_messages() -> Any:
    """``queue_messages(engine, contact_id, count, media=…)`` → communication ids, queued."""
    return queue_emails
