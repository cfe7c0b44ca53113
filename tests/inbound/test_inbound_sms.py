"""Inbound SMS through the webhook `commcentre inbound` serves (a real HTTP server on loopback),
on both databases: matching by E.164, threading within the reply window, STOP/START, a bad
token refused and audited, bad bodies refused with a sentence."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from commcentre_tui import models as m
from commcentre_tui.comms.inbound.sms_webhook import REFUSED_ACTION, sms_listener
from commcentre_tui.config import load_settings
from commcentre_tui.repo.db import reading
from tests.conftest import TEST_CONFIG
from tests.inbound.conftest import incoming

TOKEN = "sms-webhook-secret"


class Webhook:
    """The SMS listener on its own event loop in a thread, on a free port."""

    def __init__(self, engine: Any, **sms: Any) -> None:
        settings = load_settings(
            TEST_CONFIG, inbound={"sms": {"enabled": True, "listen_port": 0, "token": TOKEN, **sms}}
        )
        self.listener = sms_listener(engine, settings)
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.listener.start())
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        assert started.wait(30)
        self.url = f"http://127.0.0.1:{self.listener.port}/sms"

    def post(self, body: Any, *, token: str | None = TOKEN, sign: bool = False) -> httpx.Response:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if sign:
            headers["X-Commcentre-Signature"] = (
                "sha256=" + hmac.new(TOKEN.encode(), raw, hashlib.sha256).hexdigest()
            )
        elif token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.post(self.url, content=raw, headers=headers, timeout=30)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.listener.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


@pytest.fixture
def webhook(engine: Any) -> Iterator[Webhook]:
    hook = Webhook(engine)
    yield hook
    hook.close()


def opted_out(engine: Any, contact_id: int) -> bool:
    with reading(engine) as session:
        return session.get(m.Contact, contact_id).sms_opt_out


def test_an_sms_from_a_customers_number_is_their_incoming_sms(engine, customer, webhook) -> None:
    ids = customer(1)
    answer = webhook.post(
        {
            "from": "0035799100001",
            "to": "+35722000000",
            "text": "Call me\x1b[2J please",
            "reference": "gw-1",
        }
    )
    assert answer.status_code == 202 and answer.json()["matched"] is True
    (comm,) = incoming(engine)
    assert (comm.contact_id, comm.media, comm.recipient) == (ids["contact"], "sms", "+35799100001")
    assert comm.content == "Call me\\x1b[2J please"
    again = webhook.post(
        {"from": "+35799100001", "text": "Call me", "reference": "gw-1"}, sign=True
    )
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert len(incoming(engine)) == 1


def test_a_reply_within_the_window_is_threaded_to_our_sms(engine, ctx, customer, webhook) -> None:
    from commcentre_tui.services import communications as svc

    ids = customer(1)
    ours = svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "sms", "content": "Your bill is ready."}
    )
    webhook.post({"from": "+35799100001", "text": "Thanks"})
    (reply,) = incoming(engine)
    assert reply.follow_up_of_id == ours.id


def test_stop_and_start_set_the_customers_sms_opt_out_audited(engine, customer, webhook) -> None:
    ids = customer(1)
    assert webhook.post({"from": "+35799100001", "text": " stop "}).status_code == 202
    assert opted_out(engine, ids["contact"]) is True
    assert webhook.post({"from": "+35799100001", "text": "START"}).status_code == 202
    assert opted_out(engine, ids["contact"]) is False
    with reading(engine) as session:
        entries = session.execute(
            select(m.AuditEntry.action, m.AuditEntry.after)
            .where(m.AuditEntry.entity == "contact")
            .order_by(m.AuditEntry.id)
        ).all()
    assert entries == [
        ("SMS opt-out", {"sms_opt_out": True}),
        ("SMS opt-in", {"sms_opt_out": False}),
    ]


def test_an_sms_with_a_bad_token_is_refused_and_audited(engine, customer) -> None:
    customer(1)
    hook = Webhook(engine)
    try:
        refused = hook.post({"from": "+35799100001", "text": "STOP"}, token="wrong")
        assert refused.status_code == 401
        assert hook.post({"from": "+35799100001", "text": "STOP"}, token=None).status_code == 401
    finally:
        hook.close()  # reports the refusals not yet audited
    assert incoming(engine) == [] and opted_out(engine, 1) is False
    with reading(engine) as session:
        details = (
            session.execute(
                select(m.AuditEntry.detail).where(m.AuditEntry.action == REFUSED_ACTION)
            )
            .scalars()
            .all()
        )
    assert details and "wrong bearer token" in details[0]
    assert sum(int(d.split(" ", 1)[0]) for d in details) == 2


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({"text": "hi"}, 'The field "from" is missing.'),
        ({"from": "not a number", "text": "hi"}, 'The field "from" is not a phone number.'),
        (
            {"from": "+35799100001", "text": "x" * 1601},
            'The field "text" is longer than 1600 characters.',
        ),
        (["from"], "The body must be a JSON object"),
    ],
)
def test_bad_sms_bodies_are_refused_with_a_sentence(engine, webhook, body, sentence) -> None:
    answer = webhook.post(body)
    assert answer.status_code == 400 and answer.json()["error"].startswith(sentence)
    assert incoming(engine) == []


def test_an_sms_from_an_unknown_number_is_unmatched(engine, webhook) -> None:
    answer = webhook.post({"from": "+35799777777", "text": "Who is this?"})
    assert answer.status_code == 202 and answer.json()["matched"] is False
    (comm,) = incoming(engine)
    assert comm.contact_id is None and comm.recipient == "+35799777777"
