"""Logs: the worker's and the console's files, the journal under systemd, no secret in any line,
and library warnings in the log instead of on the user's terminal."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from commcentre_tui.cli import main
from commcentre_tui.config import load_settings
from commcentre_tui.logging_setup import logging_scope, setup_logging
from commcentre_tui.models import Agent
from commcentre_tui.repo.db import make_engine, transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services import communications as svc
from commcentre_tui.services.context import ServiceContext
from tests.comms.conftest import SmtpSink
from tests.conftest import TEST_CONFIG
from tests.pty_console import PtyConsole, until

PASSWORD = "pa55-never-in-a-log"
BODY = "The body of a private letter"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def queued_email_db(sqlite_template: Path, tmp_path: Path) -> str:
    """A SQLite database with one email queued (its body is :data:`BODY`)."""
    path = tmp_path / "worker.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    from tests.comms.conftest import add_customer

    with transaction(engine) as session:
        agent = Agent(username="tester", display_name="Test Admin", role="admin", unit="Care")
        session.add(agent)
        session.flush()
        actor = Actor(
            agent_id=agent.id,
            username="tester",
            role_name="admin",
            display_name="Test Admin",
            unit="Care",
        )
    ids = add_customer(engine, 1)
    ctx = ServiceContext(engine=engine, settings=load_settings(TEST_CONFIG), actor=actor)
    svc.create_communication(
        ctx,
        {
            "contact_id": ids["contact"],
            "media": "email",
            "category": "Billing",
            "subject": "Your balance",
            "content": BODY,
        },
    )
    engine.dispose()
    return f"sqlite:///{path}"


def test_a_worker_run_writes_its_log_file_without_secrets(
    queued_email_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    sink = SmtpSink(credentials=("care", PASSWORD))
    try:
        logs = tmp_path / "logs"
        for name, value in {
            "LOGGING__DESTINATION": "file",
            "LOGGING__DIRECTORY": logs,
            "EMAIL__PORT": sink.port,
            "EMAIL__USERNAME": "care",
            "EMAIL__PASSWORD": PASSWORD,
        }.items():
            monkeypatch.setenv(f"COMMCENTRE_{name}", str(value))
        assert main(["worker", "--once", "--database", queued_email_db]) == 0
        assert sink.wait_for(1)
    finally:
        sink.close()
    text = (logs / "worker.log").read_text(encoding="utf-8")
    assert "worker started" in text and "INFO" in text
    assert "communication 1 sent (attempt 1)" in text
    assert "stopped: Sent 1, failed 0, retries scheduled 0." in text
    assert PASSWORD not in text and BODY not in text
    assert (logs / "worker.log").stat().st_mode & 0o077 == 0
    out, err = capfd.readouterr()
    assert out.strip() == "Sent 1, failed 0, retries scheduled 0." and err == ""

    # Run by systemd (JOURNAL_STREAM names stderr): the same lines go to stderr, no file is written.
    st = os.fstat(2)
    monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
    monkeypatch.setenv("COMMCENTRE_LOGGING__DESTINATION", "auto")
    monkeypatch.setenv("COMMCENTRE_LOGGING__DIRECTORY", str(tmp_path / "unused"))
    assert main(["worker", "--once", "--log-level", "debug", "--database", queued_email_db]) == 0
    _out, err = capfd.readouterr()
    assert (
        "INFO commcentre: commcentre" in err
        and "worker started (pid" in err
        and "log level debug" in err
    )
    assert PASSWORD not in err and not (tmp_path / "unused").exists()


def test_secret_values_are_masked_and_warnings_go_to_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMCENTRE_CTI__SECRET", "ami-secret-value")
    monkeypatch.setenv("COMMCENTRE_SMS__API_KEY", "sms-key-value")
    settings = load_settings(
        TEST_CONFIG,
        logging={"destination": "file", "directory": str(tmp_path)},
        database={"url": "postgresql://cc:db-pass-value@db.example/cc"},
    )
    with warnings.catch_warnings(), logging_scope():
        warnings.simplefilter("always")
        target = setup_logging(settings, "serve-ssh", "info")
        logging.getLogger("commcentre_tui.test").error(
            "login with ami-secret-value, key sms-key-value, "
            "url postgresql://cc:db-pass-value@db.example/cc"
        )
        warnings.warn("a library is deprecated", DeprecationWarning, stacklevel=1)
    assert target.path == tmp_path / "serve-ssh.log"
    text = target.path.read_text(encoding="utf-8")
    assert "login with ***, key ***, url postgresql://cc:***@db.example/cc" in text
    assert (
        "ami-secret-value" not in text
        and "sms-key-value" not in text
        and "db-pass-value" not in text
    )
    assert (
        " WARNING " in text
        and " py.warnings: " in text
        and "DeprecationWarning: a library is deprecated" in text
    )
    assert not any(getattr(h, "_commcentre_handler", False) for h in logging.getLogger().handlers)


def test_no_library_warning_reaches_the_terminal(sqlite_template: Path, tmp_path: Path) -> None:
    """asyncssh warns about DSA at import; `doctor` reads the host key with it."""
    from commcentre_tui.ssh.hostkey import load_or_create_host_key

    load_or_create_host_key(tmp_path / "key")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONWARNINGS")}
    env.update(
        {"COMMCENTRE_CONFIG": str(TEST_CONFIG), "COMMCENTRE_EMAIL__PORT": str(closed_port())}
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "commcentre_tui",
            "doctor",
            "--host-key",
            str(tmp_path / "key"),
            "--database",
            f"sqlite:///{sqlite_template}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.stderr == "" and "host-key  ok:" in done.stdout


def test_the_consoles_cti_failure_reaches_its_log(demo_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    logs = tmp_path / "logs"
    env = {
        "COMMCENTRE_LOGGING__DESTINATION": "file",
        "COMMCENTRE_LOGGING__DIRECTORY": str(logs),
        "COMMCENTRE_CTI__ENABLED": "true",
        "COMMCENTRE_CTI__PORT": str(closed_port()),
        "COMMCENTRE_CTI__SECRET": "cti-secret-value",
        "COMMCENTRE_CTI__AGENT_EXTENSION": "1001",
    }
    log_file = logs / "console-maria.log"
    with PtyConsole(f"sqlite:///{path}", env=env) as console:
        until(
            lambda: log_file.exists() and "unreachable" in log_file.read_text(encoding="utf-8"),
            what="the CTI failure in the console's log",
            console=console,
        )
        assert "Warning" not in console.text
    text = log_file.read_text(encoding="utf-8")
    assert "console-maria started" in text and "cti-secret-value" not in text
