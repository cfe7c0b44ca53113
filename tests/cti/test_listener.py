"""The CTI event listener: HTTP POST of JSON call events."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import httpx
import pytest
from cti_fakes import AUTH, TOKEN, EventReader, StateLog
from sqlalchemy import Engine

from commcentre_tui.cti.events import CtiError
from commcentre_tui.cti.listener_payload import BadEvent, event_from_payload
from commcentre_tui.cti.listener_source import ListenerCallSource
from commcentre_tui.cti.source import make_call_source
from commcentre_tui.models import Agent
from commcentre_tui.repo.db import transaction


async def started(
    cti_settings, engine: Engine | None = None
) -> tuple[ListenerCallSource, EventReader, str]:
    source = make_call_source(cti_settings(provider="listener"), engine=engine)
    assert isinstance(source, ListenerCallSource)
    source.listener.port = 0  # a free port for the test
    reader = EventReader(source.events())
    log = StateLog(source)
    await source.start()
    await log.wait("connected")
    return source, reader, f"http://127.0.0.1:{source.listener.port}"


async def test_a_valid_event_is_accepted_and_delivered(cti_settings) -> None:
    source, reader, url = await started(cti_settings)
    async with httpx.AsyncClient(base_url=url, timeout=5, headers=AUTH) as http:
        response = await http.post(
            "/events",
            json={
                "event": "ringing",
                "extension": "1001",
                "caller": "+35799123456",
                "case_number": "CS0000042",
                "email": "maria@example.com",
            },
        )
        assert response.status_code == 202
        assert response.json()["status"] == "accepted"
        event = await reader.next()
        assert (event.event, event.extension, event.caller, event.case_number, event.email) == (
            "ringing",
            "1001",
            "+35799123456",
            "CS0000042",
            "maria@example.com",
        )
        assert event.call_id == response.json()["call_id"]
        response = await http.post(
            "/events", json={"event": "hangup", "extension": 1001, "caller": ""}
        )
        assert response.status_code == 202
        hangup = await reader.next()
        assert (
            hangup.event == "hangup" and hangup.call_id == event.call_id
        )  # same call without a call_id
    await source.close()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "The body is not valid JSON"),
        (b'["ringing"]', "The body must be a JSON object"),
        (b'{"extension": "1001", "caller": "1"}', 'The field "event" is missing.'),
        (b'{"event": "ringing", "caller": "1"}', 'The field "extension" is missing.'),
        (b'{"event": "ringing", "extension": "1001"}', 'The field "caller" is missing.'),
        (
            b'{"event": "ring", "extension": "1001", "caller": "1"}',
            "must be one of ringing, answered, hangup",
        ),
        (
            b'{"event": "ringing", "extension": "1001", "caller": "1", "at": "yesterday"}',
            'The field "at"',
        ),
        (
            b'{"event": "ringing", "extension": "1001", "caller": "1\\u001b[2J"}',
            "control characters",
        ),
        (b"\xff\xfe", "The body is not valid JSON"),
    ],
)
async def test_invalid_bodies_are_refused_with_a_reason(
    cti_settings, body: bytes, reason: str
) -> None:
    source, _reader, url = await started(cti_settings)
    async with httpx.AsyncClient(base_url=url, timeout=5, headers=AUTH) as http:
        response = await http.post(
            "/events", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert source.listener.accepted == 0
    await source.close()


async def test_unknown_extension_is_404_with_a_reason(cti_settings) -> None:
    source, _reader, url = await started(cti_settings)
    async with httpx.AsyncClient(base_url=url, timeout=5, headers=AUTH) as http:
        response = await http.post(
            "/events", json={"event": "ringing", "extension": "1009", "caller": "1"}
        )
    assert response.status_code == 404
    assert response.json() == {"error": "No agent has the extension 1009."}
    await source.close()


async def test_other_agents_extensions_come_from_the_agents_table(
    cti_settings, engine: Engine
) -> None:
    with transaction(engine) as session:
        session.add(Agent(username="bob", display_name="Bob", extension="PJSIP/1002"))
        session.add(Agent(username="old", display_name="Old", extension="1003", active=False))
    source, reader, url = await started(cti_settings, engine)
    async with httpx.AsyncClient(base_url=url, timeout=5, headers=AUTH) as http:
        other = await http.post(
            "/events", json={"event": "ringing", "extension": "1002", "caller": "1"}
        )
        gone = await http.post(
            "/events", json={"event": "ringing", "extension": "1003", "caller": "1"}
        )
        mine = await http.post(
            "/events", json={"event": "ringing", "extension": "1001", "caller": "2"}
        )
    assert (other.status_code, gone.status_code, mine.status_code) == (202, 404, 202)
    assert (await reader.next()).caller == "2"  # bob's call is not popped on this console
    await source.close()


async def test_http_edges(cti_settings) -> None:
    source, _reader, url = await started(cti_settings)
    async with httpx.AsyncClient(base_url=url, timeout=5, headers=AUTH) as http:
        assert (await http.get("/health")).json() == {"status": "ok"}
        wrong = await http.get("/events")
        assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
        assert (await http.post("/elsewhere", json={})).status_code == 404
        big = await http.post("/events", content=b"x" * (65 * 1024))
        assert big.status_code == 413
    reader, writer = await asyncio.open_connection("127.0.0.1", source.listener.port)
    writer.write(b"POST /events HTTP/1.1\r\nHost: x\r\n\r\n")
    reply = await asyncio.wait_for(reader.read(), 5)
    assert reply.startswith(b"HTTP/1.1 411") and b"Content-Length" in reply
    writer.close()
    await source.close()


async def test_listener_port_taken_is_a_failed_state_and_no_crash(cti_settings) -> None:
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    source = make_call_source(cti_settings(provider="listener", listen_port=port))
    await source.start()
    assert source.state.startswith("failed: cannot listen on 127.0.0.1:")
    with pytest.raises(CtiError, match="Asterisk provider"):
        await source.originate("99123456")
    await source.close()
    blocker.close()


def test_payload_rules() -> None:
    event = event_from_payload(
        {
            "event": "ANSWERED",
            "extension": " 1001 ",
            "caller": 99123456,
            "direction": "outgoing",
            "at": "2024-05-01T09:30:00+03:00",
            "extra": 1,
        }
    )
    assert (event.event, event.extension, event.caller, event.direction) == (
        "answered",
        "1001",
        "99123456",
        "outgoing",
    )
    assert event.at.isoformat() == "2024-05-01T06:30:00+00:00"
    with pytest.raises(BadEvent, match="UTC offset"):
        event_from_payload(
            {"event": "ringing", "extension": "1", "caller": "", "at": "2024-05-01T09:30:00"}
        )
    with pytest.raises(BadEvent, match='"extension" is empty'):
        event_from_payload({"event": "ringing", "extension": " ", "caller": "1"})


# -- issue 18 item 4: only who knows the shared secret may pop a screen -------------------------
async def test_posts_without_the_token_are_refused_and_audited(
    cti_settings, engine: Engine
) -> None:
    from sqlalchemy import select

    from commcentre_tui.models import AuditEntry
    from commcentre_tui.repo.db import reading

    source, reader, url = await started(cti_settings, engine)
    ring = {"event": "ringing", "extension": "1001", "caller": "+35799123456"}
    body = json.dumps(ring).encode()
    signed = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        anonymous = await http.post("/events", json=ring)
        wrong = await http.post("/events", json=ring, headers={"Authorization": "Bearer guess"})
        forged = await http.post(
            "/events", content=body, headers={"X-Commcentre-Signature": "sha256=" + "0" * 64}
        )
        by_hmac = await http.post(
            "/events", content=body, headers={"X-Commcentre-Signature": signed}
        )
        by_bearer = await http.post("/events", json=ring, headers=AUTH)
    assert [r.status_code for r in (anonymous, wrong, forged)] == [401, 401, 401]
    assert "Authorization: Bearer" in anonymous.json()["error"]
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert (by_hmac.status_code, by_bearer.status_code) == (202, 202)
    assert [(await reader.next()).caller for _ in range(2)] == ["+35799123456"] * 2  # only these
    assert (source.listener.refused, source.listener.accepted) == (3, 2)
    await source.close()  # reports the refusals counted since the first report
    await asyncio.wait_for(asyncio.gather(*source._audit_tasks), 5)  # the audit writes
    with reading(engine) as session:
        entries = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.action == "cti.listener.refused")
                .order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
    # the first refusal at once; the burst after it in one entry with its count, not a flood
    assert [e.detail.split(" call event")[0] for e in entries] == ["1", "2"]
    assert all(e.agent_id is None for e in entries)
    assert "refused (no token)" in entries[0].detail
    assert "refused (wrong body signature)" in entries[1].detail


async def test_without_a_token_the_listener_does_not_start(cti_settings) -> None:
    source = make_call_source(cti_settings(provider="listener", listener_token=""))
    await source.start()
    assert source.state == "failed: no listener token (set COMMCENTRE_CTI__LISTENER_TOKEN)"
    assert (
        source.detail
        == "The CTI listener needs a shared secret; set COMMCENTRE_CTI__LISTENER_TOKEN."
    )
    await source.close()


def test_the_token_is_refused_in_the_config_file(tmp_path) -> None:
    from commcentre_tui.config import ConfigError, load_settings

    path = tmp_path / "config.toml"
    path.write_text('[cti]\nlistener_token = "oops"\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match="cti.listener_token is a secret.*COMMCENTRE_CTI__LISTENER_TOKEN"
    ):
        load_settings(path)
