"""`commcentre doctor` against real loopback servers: SMTP, an HTTP gateway, a fake PBX, databases."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from commcentre_tui.cli import main
from commcentre_tui.repo.db import make_engine
from commcentre_tui.repo.migrate import head_revision, upgrade
from commcentre_tui.ssh.hostkey import load_or_create_host_key
from tests.comms.conftest import HttpSink, SmtpSink
from tests.cti.cti_fakes import FakeAsterisk

SMTP_PASSWORD = "smtp-pa55word-for-doctor"
AMI_SECRET = "ami-s3cret-for-doctor"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadedPbx:
    """A :class:`FakeAsterisk` on its own event loop and thread (doctor runs its own loop)."""

    def __init__(self, secret: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.pbx = asyncio.run_coroutine_threadsafe(
            FakeAsterisk(secret=secret).start(), self.loop
        ).result(30)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.pbx.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@pytest.fixture
def pbx() -> Iterator[FakeAsterisk]:
    server = ThreadedPbx(secret=AMI_SECRET)
    yield server.pbx
    server.close()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink(credentials=("care", SMTP_PASSWORD))
    yield sink
    sink.close()


@pytest.fixture
def gateway() -> Iterator[HttpSink]:
    sink = HttpSink()
    yield sink
    sink.close()


def test_every_check_passes_and_nothing_is_sent_or_shown(
    engine: Engine,
    smtp: SmtpSink,
    gateway: HttpSink,
    pbx: FakeAsterisk,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_path = tmp_path / "host_key"
    key, _ = load_or_create_host_key(key_path)
    for name, value in {
        "EMAIL__PORT": smtp.port,
        "EMAIL__USERNAME": "care",
        "EMAIL__PASSWORD": SMTP_PASSWORD,
        "SMS__GATEWAY_URL": gateway.url,
        "CTI__ENABLED": "true",
        "CTI__PORT": pbx.port,
        "CTI__SECRET": AMI_SECRET,
    }.items():
        monkeypatch.setenv(f"COMMCENTRE_{name}", str(value))
    url = engine.url.render_as_string(hide_password=False)
    code, out, err = run(capsys, "doctor", "--database", url, "--host-key", str(key_path))
    assert (code, err) == (0, ""), out
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "database",
        "smtp",
        "sms",
        "ami",
        "imap",
        "host-key",
    ]
    assert all(line.split()[1] == "ok:" for line in lines if not line.startswith("imap")), out
    assert f"at migration {head_revision()}, this version's" in lines[0]
    assert "logged in as 'care'; no mail was sent" in lines[1]
    assert key.get_fingerprint("sha256") in lines[5]
    assert SMTP_PASSWORD not in out and AMI_SECRET not in out
    assert smtp.logins == ["care"] and smtp.messages == []
    assert gateway.requests == []  # a HEAD, never a POSTed message
    assert pbx.logins == 1


def test_failures_are_one_line_each_and_exit_1(
    pbx: FakeAsterisk,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    behind = tmp_path / "old.db"
    upgrade(make_engine(f"sqlite:///{behind}"), "0001")
    key_path = tmp_path / "host_key"
    load_or_create_host_key(key_path)
    os.chmod(key_path, 0o644)
    monkeypatch.setenv("COMMCENTRE_EMAIL__PORT", str(closed_port()))
    monkeypatch.setenv("COMMCENTRE_CTI__ENABLED", "true")
    monkeypatch.setenv("COMMCENTRE_CTI__PORT", str(pbx.port))
    monkeypatch.setenv("COMMCENTRE_CTI__SECRET", "not-the-secret")
    code, out, err = run(
        capsys, "doctor", "--json", "--database", f"sqlite:///{behind}", "--host-key", str(key_path)
    )
    assert (code, err) == (1, "")
    checks = {row["check"]: row for row in map(json.loads, out.splitlines())}
    assert {name: row["status"] for name, row in checks.items()} == {
        "database": "fail",
        "smtp": "fail",
        "sms": "skipped",
        "ami": "fail",
        "imap": "skipped",
        "host-key": "fail",
    }
    assert checks["database"]["message"].endswith(
        f"is at migration 0001, older than {head_revision()}; run `commcentre db upgrade`."
    )
    assert "Cannot talk to the mail server 127.0.0.1:" in checks["smtp"]["message"]
    assert (
        "refused the manager login of 'commcentre' (Authentication failed)"
        in checks["ami"]["message"]
    )
    assert "not-the-secret" not in out
    assert "mode 0644" in checks["host-key"]["message"]


def test_an_empty_database_and_nothing_configured(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "empty.db"
    blank = make_engine(f"sqlite:///{empty}")
    with blank.connect():
        pass
    blank.dispose()
    missing_key = tmp_path / "no_key"
    code, out, _ = run(
        capsys, "doctor", "--database", f"sqlite:///{empty}", "--host-key", str(missing_key)
    )
    assert code == 1
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert lines["database"].startswith("FAIL:") and "no commcentre schema yet" in lines["database"]
    assert lines["sms"].startswith("skipped (not configured): [sms] gateway_url is empty")
    assert lines["ami"] == "skipped (not configured): CTI is off ([cti] enabled = false)."
    assert lines["host-key"].startswith("skipped (not configured):") and not missing_key.exists()
